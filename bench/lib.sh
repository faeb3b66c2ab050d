# Shared by the bench scripts (source it after `cd` to the repository root):
#   bench_init                 a scratch folder in $tmp, removed (and the server stopped) on exit
#   start_server BUILD PORT    `BUILD/moodtune serve` on 127.0.0.1:PORT with a fresh database in
#                              $tmp and no access log; sets server_pid, url and ready_ms (exec to
#                              /readyz 200, polled every 10 ms); on failure (the server exits or is
#                              not ready within 60 s) prints its log and exits 1.
# Extra environment for the server (e.g. OPENCV_FOR_THREADS_NUM) is inherited from the caller.
bench_init() {
  tmp=$(mktemp -d)
  server_pid=""
  trap 'bench_cleanup' EXIT
}

bench_cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true  # it may still be writing its database in $tmp
  fi
  rm -rf "$tmp"
}

start_server() {
  local build=$1 port=$2 t0 deadline
  t0=$(date +%s%N)
  deadline=$((t0 + 60 * 1000000000))
  MOODTUNE_DB="$tmp/bench.db" MOODTUNE_ACCESS_LOG=false \
    "$build/moodtune" serve --port "$port" 2>"$tmp/serve.log" &
  server_pid=$!
  url="http://127.0.0.1:$port"
  until curl -sf "$url/readyz" >/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null || [ "$(date +%s%N)" -gt "$deadline" ]; then
      echo "bench: the server at $url did not become ready; its log:" >&2
      cat "$tmp/serve.log" >&2
      exit 1
    fi
    sleep 0.01
  done
  ready_ms=$((($(date +%s%N) - t0) / 1000000))
}
