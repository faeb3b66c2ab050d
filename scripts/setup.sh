#!/usr/bin/env bash
# Idempotent, non-interactive set-up: Debian packages, model files, configure and build.
# Usage: scripts/setup.sh [--with-trainer] [--build-dir DIR] [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
with_trainer=OFF
do_build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-trainer) with_trainer=ON ;;
    --build-dir) build_dir="$2"; shift ;;
    --no-build) do_build=0 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# Debian packages: one list, installed only when something is missing.
packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl python3
  libopencv-dev libdnnl-dev ocl-icd-opencl-dev libtorch-dev libonnx-dev libprotobuf-dev
  libcpp-httplib-dev libboost1.81-dev libssl-dev nlohmann-json3-dev libsqlite3-dev libspdlog-dev libcli11-dev
  libturbojpeg0-dev
  libgtest-dev libgmock-dev libbenchmark-dev libdlib-dev chromium wrk
  clang-14 libclang-rt-14-dev libyaml-cpp-dev postgresql libpqxx-dev
  gcc-xtensa-lx106 picolibc-xtensa-lx106-elf
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from Debian (nodejs + npm) or from NodeSource (nodejs bundles npm, and
# conflicts with Debian's npm package): only ask for them when npm is not there at all.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

scripts/fetch_models.sh
# playwright-core for the browser test, reinstalled only when the lock file changed.
if [ ! -f tests/web/node_modules/.package-lock.json ] ||
   [ tests/web/package-lock.json -nt tests/web/node_modules/.package-lock.json ]; then
  (cd tests/web && npm ci --no-audit --no-fund)
fi

if [ "$do_build" = 1 ]; then
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    cmake -S . -B "$build_dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DMOODTUNE_BUILD_TRAINER=$with_trainer
  else
    cmake -S . -B "$build_dir" -DMOODTUNE_BUILD_TRAINER=$with_trainer >/dev/null
  fi
  cmake --build "$build_dir" -j "$(nproc)"
fi
