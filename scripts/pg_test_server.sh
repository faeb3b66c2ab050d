#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (Debian `postgresql`, binaries under
# /usr/lib/postgresql/<ver>/bin), listening on 127.0.0.1 only, on a free port.
#
#   scripts/pg_test_server.sh start STATE_DIR   # prints the URL; writes STATE_DIR/url
#   scripts/pg_test_server.sh stop  STATE_DIR   # stops the server, removes its files
#
# The cluster lives in a fresh temp dir (initdb), owned by the `postgres` user when run as
# root (PostgreSQL refuses to run as root), else by the caller. Host connections need the
# password of role `moodtune` (scram-sha-256); the URL printed carries it, so treat the
# state dir as secret-ish (it is a random test password, never a real one).
# ctest runs `start` and `stop` as FIXTURES_SETUP / FIXTURES_CLEANUP (tests/pg/CMakeLists.txt).
set -euo pipefail

cmd=${1:-}
state=${2:-}
if [ -z "$cmd" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 2
fi

pgbin=""
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$d/initdb" ]; then pgbin=$d; break; fi
done

# Runs a command as the cluster owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_server() {
  [ -f "$state/datadir" ] || return 0
  local data
  data=$(cat "$state/datadir")
  if [ -n "$pgbin" ] && [ -f "$data/PG_VERSION" ]; then
    as_owner "$pgbin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$data" in
    */moodtune-pg.*) rm -rf "$(dirname "$data")" ;;
  esac
  rm -f "$state/datadir" "$state/url"
}

case "$cmd" in
  stop)
    stop_server
    exit 0
    ;;
  start) ;;
  *) echo "$0: unknown command $cmd" >&2; exit 2 ;;
esac

if [ -z "$pgbin" ]; then
  echo "$0: PostgreSQL server binaries not found (apt-get install postgresql)" >&2
  exit 1
fi
mkdir -p "$state"
stop_server  # a leftover from an interrupted run

root=$(mktemp -d /tmp/moodtune-pg.XXXXXX)
data=$root/data
echo "$data" >"$state/datadir"
password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" >"$root/pwfile"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres:postgres "$root"
fi
chmod 700 "$root"

as_owner "$pgbin/initdb" -D "$data" -U moodtune --pwfile="$root/pwfile" -E UTF8 \
  --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$root/initdb.log" 2>&1 || {
  cat "$root/initdb.log" >&2
  exit 1
}
rm -f "$root/pwfile"

# A free port: ask the kernel, then retry on the (unlikely) race with another process.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' \
    2>/dev/null || echo $((20000 + RANDOM % 40000))
}
port=""
for _ in 1 2 3 4 5; do
  p=$(free_port)
  if as_owner "$pgbin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 \
       -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$root -c fsync=off -c max_connections=200" \
       start >/dev/null 2>&1; then
    port=$p
    break
  fi
done
if [ -z "$port" ]; then
  echo "$0: PostgreSQL did not start; log:" >&2
  cat "$root/server.log" >&2 || true
  exit 1
fi
as_owner "$pgbin/psql" -h "$root" -p "$port" -U moodtune -d postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE moodtune" >/dev/null

url="postgresql://moodtune:$password@127.0.0.1:$port/moodtune"
printf '%s\n' "$url" >"$state/url"
chmod 600 "$state/url"
echo "$url"
