#!/usr/bin/env bash
# Issue 12's per-stage profile: N sequential POST /recommend (the 640x480 one-face JPEG, with a
# listener, as the web page sends it) against a fresh server, then the mean time per request
# of each stage from the server's own timers (/metrics moodtune_stage_duration_seconds) beside
# the client's wall time.
# Usage: bench/server/profile.sh [BUILD_DIR] [N]   (defaults: build, 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
n=${2:-300}
port=${MOODTUNE_BENCH_PORT:-8081}
source bench/lib.sh
bench_init
"$build/tests/web/face_fixture" /usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg \
  --jpeg "$tmp/face.jpg"
start_server "$build" "$port"
url="$url/recommend"
for _ in $(seq 20); do curl -sf -o /dev/null -F files=@"$tmp/face.jpg" -F listener=warm "$url"; done
before=$(curl -s "http://127.0.0.1:$port/metrics")
t0=$(date +%s%N)
for _ in $(seq "$n"); do
  curl -sf -o /dev/null -F files=@"$tmp/face.jpg" -F listener=profile "$url"
done
t1=$(date +%s%N)
after=$(curl -s "http://127.0.0.1:$port/metrics")
echo "$n sequential requests, client wall time per request (curl process included): $(( (t1 - t0) / n / 1000 )) us"
echo "| stage | mean ms per request |"
echo "|---|---|"
for stage in decode detect align classify analyze history_read recommend history_write json http; do
  if [ "$stage" = http ]; then
    key='moodtune_http_request_duration_seconds_sum{route="/recommend"}'
  else
    key="moodtune_stage_duration_seconds_sum{stage=\"$stage\"}"
  fi
  a=$(grep -F "$key" <<<"$after" | awk '{print $2}')
  b=$(grep -F "$key" <<<"$before" | awk '{print $2}')
  awk -v a="${a:-0}" -v b="${b:-0}" -v n="$n" -v s="$stage" \
    'BEGIN {printf "| %s | %.3f |\n", (s == "http" ? "whole request (server: head read to answer)" : s), (a - b) * 1000 / n}'
done
