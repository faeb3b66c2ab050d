#!/usr/bin/env bash
# HTTP figures for issue 5 and the device photo-to-LED time for issue 6.
# Starts `moodtune serve` on 127.0.0.1, then:
#   1. wrk, 1 connection, POST /recommend with a 640x480 one-face JPEG -> median latency
#   2. wrk, 16 connections -> throughput
#   3. wrk, 16 connections for 60 s -> errors must be 0
#   4. `moodtune device-sim --once` N times on the same JPEG -> photo-to-LED median
# Usage: bench/server/run.sh [BUILD_DIR] [SECONDS_SHORT]   (defaults: build, 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
short=${2:-20}
port=${MOODTUNE_BENCH_PORT:-8077}
photo=/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg
source bench/lib.sh
bench_init

"$build/tests/web/face_fixture" "$photo" --jpeg "$tmp/face.jpg"
export MOODTUNE_BENCH_JPEG="$tmp/face.jpg"
echo "input: $(stat -c %s "$tmp/face.jpg") bytes, 640x480, from $photo"

start_server "$build" "$port"
# Warm-up (first inferences allocate).
wrk -t1 -c1 -d3s -s bench/server/recommend.lua "$url" >/dev/null

echo "== 1 connection, ${short}s"
wrk -t1 -c1 -d"${short}s" --latency -s bench/server/recommend.lua "$url" | tail -n 3
echo "== 16 connections, ${short}s"
wrk -t2 -c16 -d"${short}s" --latency -s bench/server/recommend.lua "$url" | tail -n 3
echo "== 16 connections, 60s (errors must be 0)"
wrk -t2 -c16 -d60s --latency -s bench/server/recommend.lua "$url" | tail -n 3

echo "== device-sim --once, 30 runs: photo-to-LED inside the simulator, and whole process"
mkdir -p "$tmp/images" && cp "$tmp/face.jpg" "$tmp/images/face.jpg"
: >"$tmp/led.txt"; : >"$tmp/proc.txt"
for i in $(seq 30); do
  t0=$(date +%s%N)
  "$build/moodtune" device-sim --server "$url" --images "$tmp/images" --once >/dev/null 2>"$tmp/sim.log"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$tmp/proc.txt"
  # The simulator logs "[T ms] idle -> capture" and "[T ms] upload -> show": the difference is
  # capture + upload + inference + answer parse + LED set.
  awk '/idle -> capture/ {gsub(/[\[\]]/, "", $1); c=$1} /upload -> show/ {gsub(/[\[\]]/, "", $1); print ($1 - c) * 1000}' \
    "$tmp/sim.log" >>"$tmp/led.txt"
done
median() { sort -n "$1" | awk -v what="$2" '{a[NR]=$1} END {printf "%s median_ms %.2f min_ms %.2f max_ms %.2f runs %d\n", what, a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'; }
median "$tmp/led.txt" "photo-to-LED (simulator log)"
median "$tmp/proc.txt" "whole device-sim process"
echo "== server stage timings (from /metrics)"
curl -s "$url/metrics" | grep -E 'moodtune_stage_duration_seconds_(sum|count)'
