#!/usr/bin/env bash
# ASan + UBSan build of the server's unit and API tests (the HTTP layer, the decoders, the
# handlers) and their run. Not part of the README's test command: on the 2-core machine the
# instrumented build alone takes about 35 minutes (measured 2026-12-01, while other builds
# shared the cores). LeakSanitizer is on for the unit tests; for the API tests it is off
# (OpenCV's DNN and threading runtime keep allocations until exit).
# Usage: scripts/sanitize.sh [BUILD_DIR]   (default build-asan)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-asan}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
[ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMOODTUNE_SANITIZE=ON -DMOODTUNE_BUILD_BENCH=OFF
cmake --build "$dir" -j "$(nproc)" --target server_unit_test server_api_test
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_OPTIONS=detect_leaks=1 "$dir/tests/server/server_unit_test"
ASAN_OPTIONS=detect_leaks=0 "$dir/tests/server/server_api_test"
