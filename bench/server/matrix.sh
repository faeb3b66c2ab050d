#!/usr/bin/env bash
# Issue 12's benchmark matrix: what users send, side by side in one run.
# Inputs: a 640x480 JPEG (laptop camera), an 800x600 JPEG (ESP32-CAM), a 4032x3024 JPEG
# (12 MP phone photo), each made from dlib's 2009_004587.jpg by face_fixture (one face);
# each sent without and with a `listener` field (the web page always sends one), by wrk
# with 1, 4 and 16 connections. Per row: median, p95, req/s, server CPU ms per request
# (utime+stime of the server process from /proc/PID/stat, over the run), and at the end the
# server's RSS and peak RSS, and the time from start to /readyz 200.
# Usage: bench/server/matrix.sh [BUILD_DIR] [SECONDS]   (defaults: build, 10)
# MOODTUNE_BENCH_SIZES limits the inputs (e.g. "640x480"); extra environment (such as
# OPENCV_FOR_THREADS_NUM) reaches the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
secs=${2:-10}
port=${MOODTUNE_BENCH_PORT:-8079}
photo=/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg
source bench/lib.sh
bench_init
sizes=${MOODTUNE_BENCH_SIZES:-640x480 800x600 4032x3024}
for size in $sizes; do
  "$build/tests/web/face_fixture" "$photo" --jpeg "$tmp/$size.jpg" --size "$size"
done

start_server "$build" "$port"
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
rss() { awk -v k="$1" '$1 == k":" {print int($2 / 1024)}' "/proc/$server_pid/status"; }

sleep 0.2  # the log line follows /readyz by microseconds
echo "ready after $ready_ms ms (start to /readyz 200), of which loading the" \
  "models $(grep -o '"models_ready","seconds":[0-9.]*' "$tmp/serve.log" | cut -d: -f2) s"
echo "| input | listener | connections | median ms | p95 ms | req/s | CPU ms/request | errors |"
echo "|---|---|---|---|---|---|---|---|"
for size in $sizes; do
  export MOODTUNE_BENCH_JPEG="$tmp/$size.jpg"
  bytes=$(stat -c %s "$MOODTUNE_BENCH_JPEG")
  for listener in "" "bench-listener"; do
    export MOODTUNE_BENCH_LISTENER="$listener"
    wrk -t1 -c1 -d2s -s bench/server/recommend.lua "$url" >/dev/null  # warm-up
    for c in 1 4 16; do
      threads=$(( c < 2 ? 1 : 2 ))
      before=$(cpu_ticks)
      out=$(wrk -t"$threads" -c"$c" -d"${secs}s" --latency -s bench/server/recommend.lua \
        "$url" | tail -n 1)
      after=$(cpu_ticks)
      read -r _ median _ _ _ p95 _ _ _ requests _ rps _ errors <<<"$out"
      cpu_ms=$(awk -v a="$after" -v b="$before" -v n="$requests" -v hz="$hz" \
        'BEGIN {printf "%.1f", (a - b) * 1000 / hz / (n > 0 ? n : 1)}')
      echo "| ${size} JPEG (${bytes} B) | $( [ -n "$listener" ] && echo yes || echo no ) | $c | $median | $p95 | $rps | $cpu_ms | $errors |"
    done
  done
done
echo "server RSS after the runs: $(rss VmRSS) MB, peak $(rss VmHWM) MB"
