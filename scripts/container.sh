#!/usr/bin/env bash
# Builds the service image with Debian's buildah (no Docker engine, no registry) and checks
# it for real (issue 11, item 8):
#   1. base: `debian:bookworm-slim` made with mmdebstrap --variant=minbase from the Debian
#      mirror in apt's sources, imported into buildah's storage (skipped when present);
#   2. image: `buildah bud --isolation chroot --network host` of the Dockerfile;
#   3. run: the image's ENTRYPOINT + CMD, as its USER in its WORKDIR, with
#      `buildah run --isolation chroot` inside a private network namespace (unshare -n), so
#      the CMD's 0.0.0.0:8000 is bound there only and never on this machine's interfaces;
#   4. checks: GET /readyz is 200, one POST /recommend with a face photo answers with a face
#      and tracks, and a blank PNG is decoded (422 no_face, not 503: PNG goes through
#      libmoodtune_media.so, which the image must hold where the binary looks, issue 12); then
#      the server is stopped and image size, build time and time to ready are printed.
# Usage: scripts/container.sh [--rebuild-base] [--no-build] [--image NAME]
#   --rebuild-base  make the base image again even when buildah has one by that name
#   --no-build      check the image already built (skip buildah bud)
# Environment: MOODTUNE_DEBIAN_MIRROR (default: the first .../debian URI in apt's sources),
# MOODTUNE_CONTAINER_PHOTO (default: dlib's example photo 2009_004587.jpg, two faces).
# Needs root (buildah's chroot isolation, unshare, nsenter); installs buildah and mmdebstrap
# (and jq, curl, iproute2, procps if absent) with apt-get when missing. As root on a file
# system with native overlayfs, buildah needs neither an OCI runtime (runc/crun: chroot
# isolation) nor fuse-overlayfs. Not part of the test command: a build takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

image=moodtune:latest
base=docker.io/library/debian:bookworm-slim
mirror=${MOODTUNE_DEBIAN_MIRROR:-}
rebuild_base=0
do_build=1
photo=${MOODTUNE_CONTAINER_PHOTO:-/usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg}
while [ $# -gt 0 ]; do
  case "$1" in
    --rebuild-base) rebuild_base=1 ;;
    --no-build) do_build=0 ;;
    --image) image="$2"; shift ;;
    *) echo "container.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "container.sh: run as root (buildah chroot isolation, unshare)" >&2; exit 2; }
[ -f "$photo" ] || { echo "container.sh: no photo at $photo (set MOODTUNE_CONTAINER_PHOTO)" >&2; exit 2; }

# --- tools --------------------------------------------------------------------------------
missing=()
for p in buildah mmdebstrap jq curl iproute2 procps; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "container: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

tmp=$(mktemp -d)
ctr=""
netns_pid=""
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}'; }
cleanup() {
  [ -n "$netns_pid" ] && kill "$netns_pid" 2>/dev/null && wait "$netns_pid" 2>/dev/null
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. base image --------------------------------------------------------------------------
# The mirror: the first deb.debian.org-style URI in apt's sources (deb822 or one-line form).
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
             awk '/^URIs:/ && $2 ~ /\/debian\/?$/ {print $2; exit}')
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' \
                                 /etc/apt/sources.list 2>/dev/null)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
if [ "$rebuild_base" = 1 ] || ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  echo "container: making $base with mmdebstrap from $mirror" >&2
  t0=$(date +%s.%N)
  # Like Docker's official slim image: minbase, merged /usr, no man pages, docs (copyright
  # files kept) or translations, no apt lists; the sources name this machine's mirror, and
  # the Release files' Valid-Until is not checked (the mirror may serve a dated snapshot).
  mmdebstrap --variant=minbase --components=main --quiet \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
    bookworm "$tmp/base.tar" \
    "deb ${mirror%/} bookworm main" "deb ${mirror%/} bookworm-updates main" \
    "deb ${mirror%/}-security bookworm-security main"
  c=$(buildah from scratch)
  buildah add --quiet "$c" "$tmp/base.tar" / >/dev/null
  buildah config --cmd '["bash"]' \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$c"
  buildah commit --quiet --rm "$c" "$base" >/dev/null
  rm -f "$tmp/base.tar"
  echo "container: base $base made in $(since "$t0") s" >&2
fi

# --- 2. image ---------------------------------------------------------------------------------
# The detector comes from the set-up's download (models/blazeface/, in the build context);
# the Dockerfile only checks its SHA-256.
scripts/fetch_models.sh
if [ "$do_build" = 1 ]; then
  echo "container: building $image (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  t0=$(date +%s.%N)
  buildah bud --isolation chroot --network host --pull=never --format docker --layers \
    -t "$image" . >"$tmp/build.log" 2>&1 || { tail -n 40 "$tmp/build.log"; exit 1; }
  build_s=$(since "$t0")
  grep -E '^(STEP|runtime packages:)' "$tmp/build.log" >&2 || true
fi

# --- 3. run -------------------------------------------------------------------------------------
size=$(buildah images --format '{{.Size}}' "$image" | head -n 1)
ctr=$(buildah from --pull=never "$image")
mnt=$(buildah mount "$ctr")
rootfs_bytes=$(du -sb "$mnt" | cut -f1)
buildah umount "$ctr" >/dev/null
# The image's own ENTRYPOINT + CMD (serve --host 0.0.0.0 --port 8000); buildah run applies
# its USER, WORKDIR and ENV. chroot isolation has no network namespace of its own, so the
# whole run sits in a fresh one (only loopback): 0.0.0.0:8000 is bound there, not here.
buildah inspect "$ctr" >"$tmp/inspect.json"
mapfile -t cmd < <(jq -r '.OCIv1.config | ((.Entrypoint // []) + (.Cmd // []))[]' "$tmp/inspect.json")
port=$(printf '%s\n' "${cmd[@]}" | awk 'p {print; exit} $0 == "--port" {p = 1}')
port=${port:-8000}
# The image's HEALTHCHECK (Docker format: ["CMD", argv...]), run in the container as its
# user: it must fail with no server and pass once the server is ready.
mapfile -t health < <(jq -r '(.Docker.config.Healthcheck.Test // [])[1:][]' "$tmp/inspect.json")
[ ${#health[@]} -gt 0 ] || { echo "container: the image has no HEALTHCHECK" >&2; exit 1; }
health_down=fail
unshare --net sh -c 'ip link set lo up && exec "$@"' sh \
  buildah run --isolation chroot --network host "$ctr" -- "${health[@]}" >/dev/null 2>&1 ||
  health_down=ok
echo "container: running ${cmd[*]} in $ctr (load: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
t0=$(date +%s.%N)
unshare --net --fork sh -c 'ip link set lo up && exec "$@"' sh \
  buildah run --isolation chroot --network host "$ctr" -- "${cmd[@]}" >"$tmp/serve.log" 2>&1 &
netns_pid=$!
in_ns() { nsenter --target "$netns_pid" --net "$@"; }
ready_s=""
for _ in $(seq 1200); do
  if in_ns curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then
    ready_s=$(since "$t0"); ready_uptime=$(cut -d' ' -f1 /proc/uptime); break
  fi
  kill -0 "$netns_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$ready_s" ] || { cat "$tmp/serve.log" >&2; echo "container: /readyz never answered 200" >&2; exit 1; }
server_pid=""
for p in $(pgrep -x moodtune || true); do
  [ "$(readlink "/proc/$p/ns/net")" = "$(readlink "/proc/$netns_pid/ns/net")" ] && server_pid=$p
done
server_uid=$(awk '/^Uid:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo "?")
# The server's own share: from its exec (start time in /proc/PID/stat, clock ticks since
# boot) to the first 200; the rest of ready_s is buildah setting up the container.
server_ready_s=$(awk -v up="$ready_uptime" -v hz="$(getconf CLK_TCK)" \
                   '{sub(/.*\) /, ""); printf "%.2f", up - $20 / hz}' "/proc/$server_pid/stat" \
                   2>/dev/null || echo "?")
listen=$(in_ns ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | sort -u | paste -sd, -)

# --- 4. checks ----------------------------------------------------------------------------------
fail=0
health_up=fail
in_ns buildah run --isolation chroot --network host "$ctr" -- "${health[@]}" >/dev/null 2>&1 &&
  health_up=ok
[ "$health_down" = ok ] || { echo "container: HEALTHCHECK passed with no server" >&2; fail=1; }
[ "$health_up" = ok ] || { echo "container: HEALTHCHECK failed on a ready server" >&2; fail=1; }
in_ns curl -s "http://127.0.0.1:$port/readyz" >"$tmp/readyz.json"
in_ns curl -s -o "$tmp/recommend.json" -w '%{http_code} %{time_total}\n' \
  -F "files=@$photo;type=image/jpeg" "http://127.0.0.1:$port/recommend" >"$tmp/recommend.status"
read -r rec_code rec_time <"$tmp/recommend.status"
# A face: `faces` has an entry with a box; tracks: `recommendations` is not empty.
faces=$(jq '[.faces[]? | select(.box | length == 4)] | length' "$tmp/recommend.json" 2>/dev/null ||
          echo 0)
tracks=$(jq '[.recommendations[]? | select(.title)] | length' "$tmp/recommend.json" 2>/dev/null ||
           echo 0)
# A blank 64x48 grey PNG (python3's zlib; no OpenCV on this side).
python3 - "$tmp/blank.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\x00" + b"\x80" * (3 * w) for _ in range(h))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY
png_code=$(in_ns curl -s -o "$tmp/png.json" -w '%{http_code}' \
  -F "files=@$tmp/blank.png;type=image/png" "http://127.0.0.1:$port/recommend")
png_error=$(jq -r '.error.code // "none"' "$tmp/png.json" 2>/dev/null || echo "?")
[ "$rec_code" = 200 ] || { echo "container: POST /recommend answered $rec_code" >&2; fail=1; }
[ "$png_code" = 422 ] && [ "$png_error" = no_face ] ||
  { echo "container: a PNG answered $png_code: $(head -c 300 "$tmp/png.json")" >&2; fail=1; }
[ "$faces" -ge 1 ] || { echo "container: no face in the answer" >&2; fail=1; }
[ "$tracks" -ge 1 ] || { echo "container: no tracks in the answer" >&2; fail=1; }
[ "$server_uid" = 10001 ] || { echo "container: the server runs as uid $server_uid" >&2; fail=1; }
[ "$fail" = 0 ] || head -c 2000 "$tmp/recommend.json" >&2

# --- stop ---------------------------------------------------------------------------------------
[ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null
for _ in $(seq 100); do kill -0 "$netns_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$netns_pid" 2>/dev/null; then
  echo "container: the server did not stop on SIGTERM within 10 s" >&2; fail=1
else
  wait "$netns_pid" 2>/dev/null || true
  netns_pid=""
fi

echo "image $image: $size (buildah images), root file system $rootfs_bytes bytes (du -sb)"
[ -n "${build_s:-}" ] && echo "build: $build_s s (buildah bud, load at start above)"
echo "ready: $ready_s s from buildah run to the first 200 on /readyz ($server_ready_s s from the server's exec)"
echo "server: uid $server_uid, listening on $listen (container network namespace)"
echo "readyz: $(head -c 300 "$tmp/readyz.json")"
echo "HEALTHCHECK: fails with no server: $health_down; passes when ready: $health_up"
echo "POST /recommend ($(basename "$photo")): HTTP $rec_code in $rec_time s, faces $faces, tracks $tracks"
echo "POST /recommend (blank PNG, through libmoodtune_media.so): HTTP $png_code $png_error"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$fail" = 0 ] && echo "container: OK" || { echo "container: FAILED" >&2; exit 1; }
