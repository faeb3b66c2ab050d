#!/usr/bin/env bash
# Photo-to-LED time of `moodtune device-sim --on-device` (issue 14): no server, the emotion from
# the int8 net compiled into the build, N runs of --once on the same 640x480 one-face JPEG.
# The simulator logs "[T ms] idle -> capture" and "[T ms] capture -> show (...) (on-device
# <emotion>)": the difference is capture (file read) + JPEG decode to gray + centre crop +
# int8 net + LED decision (the simulator's log has 1 ms resolution). Also the whole process
# time (start-up included). Needs the targets moodtune and face_fixture.
# Usage: bench/device/on_device_led.sh [BUILD_DIR] [RUNS]   (defaults: build, 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-30}
photo=/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/images"
"$build/tests/web/face_fixture" "$photo" --jpeg "$tmp/images/face.jpg"
echo "input: $(stat -c %s "$tmp/images/face.jpg") bytes, 640x480, from $photo"
echo "load before: $(uptime)"
: >"$tmp/led.txt"; : >"$tmp/proc.txt"
for _ in $(seq "$runs"); do
  t0=$(date +%s%N)
  "$build/moodtune" device-sim --on-device --images "$tmp/images" --once >"$tmp/out.txt" 2>"$tmp/sim.log"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >>"$tmp/proc.txt"
  awk '/idle -> capture/ {gsub(/[\[\]]/, "", $1); c=$1} /capture -> show .*on-device/ {gsub(/[\[\]]/, "", $1); print ($1 - c) * 1000}' \
    "$tmp/sim.log" >>"$tmp/led.txt"
done
echo "LED line: $(cat "$tmp/out.txt")"
median() { sort -n "$1" | awk -v what="$2" '{a[NR]=$1} END {printf "%s median_ms %.2f min_ms %.2f max_ms %.2f runs %d\n", what, a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'; }
median "$tmp/led.txt" "photo-to-LED on-device (simulator log)"
median "$tmp/proc.txt" "whole device-sim --on-device process"
echo "load after: $(uptime)"
