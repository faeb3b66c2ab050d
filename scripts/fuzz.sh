#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14, ASan+UBSan) in build-fuzz and runs each for a
# bounded time on its committed seed corpus. New interesting inputs go to
# build-fuzz/corpus/<target>/ (the committed seeds are only read); crashes, leaks and
# timeouts are written to build-fuzz/crashes/ and make the script exit 1.
# Every crash found must become a regression test in tests/<area>/ (see issue 7).
#
# Usage: scripts/fuzz.sh [--time SECONDS] [--only TARGET] [--build-dir DIR] [--no-build]
#   --time SECONDS  run time per target [30]
#   --only TARGET   run one target (fuzz_image_decode, fuzz_csv_import, fuzz_json_import,
#                   fuzz_spotify, fuzz_deezer, fuzz_device_protocol)
# Replay one crash: build-fuzz/fuzz/<target> build-fuzz/crashes/<file>
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
only=""
build_dir=build-fuzz
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --time) seconds="$2"; shift ;;
    --only) only="$2"; shift ;;
    --build-dir) build_dir="$2"; shift ;;
    --no-build) do_build=0 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: --time needs whole seconds" >&2; exit 2 ;; esac

# target -> committed seed corpus
declare -A seeds=(
  [fuzz_image_decode]=fuzz/corpus/image_decode
  [fuzz_csv_import]=fuzz/corpus/csv_import
  [fuzz_json_import]=fuzz/corpus/json_import
  [fuzz_spotify]=fuzz/corpus/spotify
  [fuzz_deezer]=fuzz/corpus/deezer
  [fuzz_device_protocol]=tests/device/fuzz/corpus
  [fuzz_multipart]=fuzz/corpus/multipart
)
targets=(fuzz_image_decode fuzz_csv_import fuzz_json_import fuzz_spotify fuzz_deezer
         fuzz_device_protocol fuzz_multipart)
if [ -n "$only" ]; then
  [ -n "${seeds[$only]:-}" ] || { echo "fuzz.sh: unknown target $only" >&2; exit 2; }
  targets=("$only")
fi

cxx=$(command -v clang++-14 || command -v clang++ || true)
[ -n "$cxx" ] || { echo "fuzz.sh: needs clang++ (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

if [ "$do_build" = 1 ]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    # Only what the fuzzers need: no tests, benches, server or CLI. RelWithDebInfo gives
    # readable stacks at near-release speed.
    cmake -S . -B "$build_dir" "${gen[@]}" -DCMAKE_CXX_COMPILER="$cxx" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOODTUNE_BUILD_FUZZ=ON -DMOODTUNE_SANITIZE=ON \
      -DMOODTUNE_BUILD_TESTS=OFF -DMOODTUNE_BUILD_BENCH=OFF -DMOODTUNE_BUILD_TRAINER=OFF \
      "-DMOODTUNE_AREAS=core;vision;music"
  fi
  cmake --build "$build_dir" -j "${MOODTUNE_JOBS:-2}" --target "${targets[@]}"
fi

mkdir -p "$build_dir/crashes"
# UBSan findings abort like ASan ones, so libFuzzer keeps the input.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
failed=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  log="$build_dir/crashes/$t.log"
  echo "== $t: ${seconds}s on ${seeds[$t]}" >&2
  if "$build_dir/fuzz/$t" "$corpus" "${seeds[$t]}" -max_total_time="$seconds" \
       -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
       -artifact_prefix="$build_dir/crashes/$t-" >"$log" 2>&1; then
    grep -E '^(stat::number_of_executed_units|Done )' "$log" | tail -1 >&2 || true
  else
    echo "!! $t failed; see $log" >&2
    grep -E 'ERROR: |runtime error|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in ${failed[*]} (inputs under $build_dir/crashes/)" >&2
  exit 1
fi
echo "fuzz.sh: no findings in ${#targets[@]} target(s), ${seconds}s each" >&2
