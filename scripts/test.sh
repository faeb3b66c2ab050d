#!/usr/bin/env bash
# Sets everything up (packages, models, build with the trainer) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-trainer
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
