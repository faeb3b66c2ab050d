# Shared by the bench scripts (source it after `cd` to the repository root):
#   bench_init                 a scratch folder in $tmp, removed (and the server stopped) on exit
#   start_server BUILD PORT    `BUILD/moodtune serve` (or $MOODTUNE_BENCH_BIN, e.g. a copy of an
#                              older build's binary) on 127.0.0.1:PORT with a fresh database in
#                              $tmp and no access log; sets server_pid, url, bound_ms (exec to the
#                              first /healthz 200: port bound, catalogue open) and ready_ms (exec
#                              to /readyz 200), both polled every 10 ms; on failure (the server
#                              exits or is not ready within 60 s) prints its log and exits 1.
#   stop_server                stops it and waits for it (it may still be writing its database)
# Extra environment for the server (e.g. OPENCV_FOR_THREADS_NUM) is inherited from the caller.
bench_init() {
  tmp=$(mktemp -d)
  server_pid=""
  trap 'bench_cleanup' EXIT
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

bench_cleanup() {
  stop_server
  rm -rf "$tmp"
}

start_server() {
  local build=$1 port=$2 t0 deadline path
  local bin=${MOODTUNE_BENCH_BIN:-$build/moodtune}
  rm -f "$tmp"/bench.db*  # every start on a fresh database, as a new installation's
  t0=$(date +%s%N)
  deadline=$((t0 + 60 * 1000000000))
  MOODTUNE_DB="$tmp/bench.db" MOODTUNE_ACCESS_LOG=false \
    "$bin" serve --port "$port" 2>"$tmp/serve.log" &
  server_pid=$!
  url="http://127.0.0.1:$port"
  for path in healthz readyz; do
    until curl -sf "$url/$path" >/dev/null; do
      if ! kill -0 "$server_pid" 2>/dev/null || [ "$(date +%s%N)" -gt "$deadline" ]; then
        echo "bench: the server at $url did not become ready; its log:" >&2
        cat "$tmp/serve.log" >&2
        exit 1
      fi
      sleep 0.01
    done
    if [ "$path" = healthz ]; then bound_ms=$((($(date +%s%N) - t0) / 1000000)); fi
  done
  ready_ms=$((($(date +%s%N) - t0) / 1000000))
}
