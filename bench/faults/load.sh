#!/usr/bin/env bash
# Load (issue 7): 64 connections on POST /recommend for N minutes against `moodtune serve` on
# 127.0.0.1, with wrk. Reports p50/p90/p99, requests, socket errors, the 5xx count (counted by
# bench/faults/count_5xx.lua) and the server's RSS after warm-up vs at the end.
# Usage: bench/faults/load.sh [BUILD_DIR] [MINUTES] [CONNECTIONS]   (defaults: build 5 64)
# The server runs with its defaults (one request worker per core; connections wait on the
# I/O thread, and up to max_queue = 64 requests wait for a worker).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
minutes=${2:-5}
conns=${3:-64}
warmup_s=${MOODTUNE_LOAD_WARMUP_S:-30}
port=${MOODTUNE_BENCH_PORT:-8078}
photo=/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg
source bench/lib.sh
bench_init

"$build/tests/web/face_fixture" "$photo" --jpeg "$tmp/face.jpg"
export MOODTUNE_BENCH_JPEG="$tmp/face.jpg"
start_server "$build" "$port"
rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }

echo "input: $(stat -c %s "$tmp/face.jpg") bytes 640x480; $conns connections; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rss_kib start $(rss)"
wrk -t2 -c"$conns" -d"${warmup_s}s" --timeout 10s -s bench/faults/count_5xx.lua "$url" >/dev/null
# The warm-up's connections close with up to max_queue requests still queued in the server;
# let those finish so the measured run starts from an idle server (without this pause, the
# measured run met a full queue: 619 of 22,985 answers were 503 `overloaded`; with the pause,
# none; docs/service.md).
sleep "${MOODTUNE_LOAD_PAUSE_S:-3}"
rss_warm=$(rss)
echo "rss_kib after ${warmup_s}s warm-up at $conns connections: $rss_warm"
wrk -t2 -c"$conns" -d"$((minutes * 60))s" --timeout 10s --latency -s bench/faults/count_5xx.lua "$url" \
  | tee "$tmp/wrk.txt" | grep -E "Latency|Requests/sec|Socket errors|Non-2xx|^ +(50|90|99)%|^result"
rss_end=$(rss)
awk -v a="$rss_warm" -v b="$rss_end" 'BEGIN {printf "rss_kib end %d growth_after_warmup %.1f%%\n", b, 100 * (b - a) / a}'
echo "server 5xx (from /metrics):"
curl -s "$url/metrics" | grep -E '^moodtune_http_requests_total.*status="5' | grep -v 'route="/readyz"' || echo "  none (the /readyz 503s while models load are expected)"
