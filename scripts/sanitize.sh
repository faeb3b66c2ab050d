#!/usr/bin/env bash
# Sanitizer runs of the server's tests (issue 11, item 7); `.ci/run` runs both after the
# README's test command.
#   asan: ASan + UBSan build of the server's unit and API tests (the HTTP layer, the form
#         decoders, the handlers, the stores) and their run. LeakSanitizer is on for the unit
#         tests; for the API tests it is off (OpenCV's DNN and threading runtime keep
#         allocations until exit).
#   tsan: ThreadSanitizer build of the API tests; runs the concurrency, hostile-client and
#         readiness tests (the code with threads: I/O thread, worker pool, shared stores).
#         OpenCV and GDAL are not built with TSan, so their internal reports are suppressed by
#         library name (tests/server/tsan.supp); any report in moodtune's own code fails.
# Left out, and why: the vision, music and CLI suites (single-threaded pure code already run
# by the test command; their instrumented build would double the time), the browser and
# fault-script tests (they drive the Release binary), and under TSan the device and storage
# fault tests (no threads of their own beyond the server's, which the chosen tests cover).
# Builds at -O1 with minimal debug info (-g1), through ccache when installed.
# Usage: scripts/sanitize.sh [asan|tsan|all] (default all); BUILD_DIR prefix via SAN_BUILD
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
prefix=${SAN_BUILD:-build}
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)
jobs=$(nproc)

configure() {  # dir, extra cmake args...
  local dir=$1
  shift
  [ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=None \
    "-DCMAKE_CXX_FLAGS=-O1 -g1" -DMOODTUNE_BUILD_BENCH=OFF \
    -DMOODTUNE_BUILD_TRAINER=OFF "$@" >/dev/null
}

run_asan() {
  local dir=$prefix-asan
  local t0=$SECONDS
  echo "== ASan+UBSan: building server_unit_test server_api_test in $dir"
  configure "$dir" -DMOODTUNE_SANITIZE=ON
  cmake --build "$dir" -j "$jobs" --target server_unit_test server_api_test
  echo "== ASan+UBSan: built in $((SECONDS - t0)) s"
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  ASAN_OPTIONS=detect_leaks=1 "$dir/tests/server/server_unit_test" --gtest_brief=1
  ASAN_OPTIONS=detect_leaks=0 "$dir/tests/server/server_api_test" --gtest_brief=1
  echo "== ASan+UBSan: done in $((SECONDS - t0)) s"
}

run_tsan() {
  local dir=$prefix-tsan
  local t0=$SECONDS
  echo "== TSan: building server_api_test in $dir"
  configure "$dir" -DMOODTUNE_TSAN=ON
  cmake --build "$dir" -j "$jobs" --target server_api_test
  echo "== TSan: built in $((SECONDS - t0)) s"
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/server/tsan.supp" \
    "$dir/tests/server/server_api_test" --gtest_brief=1 \
    --gtest_filter='Concurrency*:Hostile*:Readyz*:Startup*'
  echo "== TSan: done in $((SECONDS - t0)) s"
}

case $mode in
  asan) run_asan ;;
  tsan) run_tsan ;;
  # Two statements, not `run_asan && run_tsan`: bash ignores `set -e` inside a function
  # called on the left of &&, so a failed build there would not stop the run.
  all)
    run_asan
    run_tsan
    ;;
  *) echo "usage: scripts/sanitize.sh [asan|tsan|all]" >&2; exit 2 ;;
esac
