#!/usr/bin/env bash
# Issue 12's start-up figures for one build of `moodtune`: the shared libraries it loads
# (`ldd | wc -l`), `moodtune --help` wall time and peak RSS (/usr/bin/time), and the time
# from exec to the first /readyz 200 of `moodtune serve` (polled every 10 ms with curl, as
# bench/server/matrix.sh does; before it, the first /healthz 200: the port is bound and the
# catalogue is ready, the models load after that), each RUNS times, with the load average
# beside them. Each serve run starts on a fresh database, as the benchmark's does.
# Usage: bench/server/startup.sh [BUILD_DIR] [RUNS]   (defaults: build, 5)
# MOODTUNE_BENCH_BIN times another binary (e.g. a copy of an older build's) instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-5}
port=${MOODTUNE_BENCH_PORT:-8078}
bin=${MOODTUNE_BENCH_BIN:-$build/moodtune}  # another binary of that build (before/after)
source bench/lib.sh
bench_init

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ldd $bin | wc -l: $(ldd "$bin" | wc -l)"
echo "moodtune --help (wall, peak RSS):"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "  %e s %M KB" "$bin" --help 2>&1 >/dev/null | tail -n 1
done
echo "serve: exec to /readyz 200 (ms), of which exec to /healthz 200, models' load (s):"
for _ in $(seq "$runs"); do
  start_server "$build" "$port"
  sleep 0.1  # the log line follows /readyz by microseconds
  echo "  $ready_ms ms, bound $bound_ms ms, models" \
    "$(grep -o '"models_ready","seconds":[0-9.]*' "$tmp/serve.log" | cut -d: -f2) s"
  stop_server
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
