#!/usr/bin/env bash
# Builds the whole project with ASan+UBSan (MOODTUNE_SANITIZE=ON) in build-asan and runs the
# test suite there: the second CMake configuration of the test command (issue 7).
# The trainer stays OFF: Debian's libtorch is not built with ASan. Any sanitizer report
# fails the test that triggered it (UBSan halts on its first finding).
#
# Excluded tests, and why:
#   web_page_test  drives headless Chromium through node against the built server; Chromium
#                  is not ours and the ASan-slowed server start makes its 180 s budget flaky.
#                  The server code it exercises runs under ASan in server_api_test.
# (Anything else excluded must be listed here with its reason.)
#
# Usage: scripts/sanitize.sh [--build-dir DIR] [--areas "core;vision;..."] [--no-build]
#                            [-- extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build-asan
areas=""
do_build=1
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="$2"; shift ;;
    --areas) areas="$2"; shift ;;
    --no-build) do_build=0 ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "sanitize.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
jobs=${MOODTUNE_JOBS:-$(nproc)}

if [ "$do_build" = 1 ]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  area_arg=()
  [ -n "$areas" ] && area_arg=("-DMOODTUNE_AREAS=$areas")
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    # RelWithDebInfo: -O2 keeps the suite's run time sane, -g gives file:line in reports.
    # float-cast-overflow is not part of gcc's -fsanitize=undefined; JSON numbers are cast.
    cmake -S . -B "$build_dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DMOODTUNE_SANITIZE=ON -DMOODTUNE_BUILD_TRAINER=OFF -DMOODTUNE_BUILD_BENCH=OFF \
      -DMOODTUNE_DEVICE_FUZZER=OFF -DCMAKE_CXX_FLAGS="-fsanitize=float-cast-overflow" \
      "${area_arg[@]}"
  elif [ ${#area_arg[@]} -gt 0 ]; then
    cmake -S . -B "$build_dir" "${area_arg[@]}" >/dev/null
  fi
  cmake --build "$build_dir" -j "$jobs"
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Third-party leaks our code cannot free, each documented in the file.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp}
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" \
  -E '^web_page_test$' "${ctest_args[@]}"
