#!/usr/bin/env bash
# Sets everything up, then starts the moodtune service on the embedded default catalogue
# (http://127.0.0.1:8000 unless --host/--port say otherwise). Extra flags go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/moodtune serve "$@"
