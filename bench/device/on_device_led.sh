#!/usr/bin/env bash
# Photo-to-LED time of `moodtune device-sim --on-device` (issue 14) against the served path,
# A/B in the same run: RUNS rounds on the same 640x480 one-face JPEG, each round one
# `device-sim --on-device --once` (no server: the int8 net compiled into the build on a centre
# crop) and one `device-sim --server URL --once` (a local `moodtune serve`: BlazeFace + float
# net), alternating so both see the same machine load.
# From the simulator's log ("[T ms] from -> to", 1 ms resolution): on-device, "idle -> capture"
# to "capture -> show (...) (on-device <emotion>)" = file read + JPEG decode to gray + centre
# crop + int8 net + LED decision; served, "idle -> capture" to "upload -> show" = file read +
# HTTP upload + detection + float net + answer parse + LED decision. Also the whole process.
# Usage: bench/device/on_device_led.sh [BUILD_DIR] [RUNS]   (defaults: build, 30)
# Needs the targets moodtune and face_fixture, and models/blazeface (scripts/fetch_models.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-30}
port=${MOODTUNE_BENCH_PORT:-8078}
photo=/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg
source bench/lib.sh
bench_init
mkdir -p "$tmp/images"
"$build/tests/web/face_fixture" "$photo" --jpeg "$tmp/images/face.jpg"
echo "input: $(stat -c %s "$tmp/images/face.jpg") bytes, 640x480, from $photo"

start_server "$build" "$port"
"$build/moodtune" device-sim --server "$url" --images "$tmp/images" --once >/dev/null 2>&1 || true  # warm-up

echo "load before: $(uptime)"
for f in od_led od_proc sv_led sv_proc; do : >"$tmp/$f.txt"; done
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$build/moodtune" device-sim --on-device --images "$tmp/images" --once >"$tmp/od_out.txt" 2>"$tmp/od.log"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$tmp/od_proc.txt"
  awk '/idle -> capture/ {gsub(/[\[\]]/, "", $1); c=$1} /capture -> show .*on-device/ {gsub(/[\[\]]/, "", $1); print ($1 - c) * 1000}' \
    "$tmp/od.log" >>"$tmp/od_led.txt"
  t0=$(date +%s%N)
  "$build/moodtune" device-sim --server "$url" --images "$tmp/images" --once >"$tmp/sv_out.txt" 2>"$tmp/sv.log"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$tmp/sv_proc.txt"
  awk '/idle -> capture/ {gsub(/[\[\]]/, "", $1); c=$1} /upload -> show/ {gsub(/[\[\]]/, "", $1); print ($1 - c) * 1000}' \
    "$tmp/sv.log" >>"$tmp/sv_led.txt"
done
echo "load after: $(uptime)"
echo "on-device LED line: $(cat "$tmp/od_out.txt")"
echo "served LED line:    $(cat "$tmp/sv_out.txt")"
median() { sort -n "$1" | awk -v what="$2" '{a[NR]=$1} END {printf "%s median_ms %.2f min_ms %.2f max_ms %.2f runs %d\n", what, a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'; }
median "$tmp/od_led.txt" "photo-to-LED on-device, no server (simulator log)"
median "$tmp/sv_led.txt" "photo-to-LED served path, local service (simulator log)"
median "$tmp/od_proc.txt" "whole device-sim --on-device process"
median "$tmp/sv_proc.txt" "whole device-sim --server process"
