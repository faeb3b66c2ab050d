#!/usr/bin/env bash
# Issue 13: `cmake --install` gives a working tree under a prefix, and the installed binary
# (and the build tree's) work from any folder. Usage: install_test.sh BUILD_DIR PHOTO
set -euo pipefail
build=$1 photo=$2
prefix=$(mktemp -d)
elsewhere=$(mktemp -d)
trap 'rm -rf "$prefix" "$elsewhere"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
cd "$elsewhere"
for bin in "$prefix/bin/moodtune" "$(cd "$OLDPWD" && realpath "$build")/moodtune"; do
  out=$("$bin" analyze --json "$photo")
  echo "$out" | grep -q '"emotion"' || { echo "FAIL: $bin analyze from $elsewhere: $out" >&2; exit 1; }
done
# Issue 12: PNG is decoded by libmoodtune_media.so, which the binary finds beside itself
# (build tree) or in P/lib/moodtune (install). A blank grey PNG, written with python3's zlib.
python3 - "$elsewhere/blank.png" <<'PY'
import struct, sys, zlib
w, h = 64, 48
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
raw = b"".join(b"\x00" + b"\x80" * (3 * w) for _ in range(h))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" +
    chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
    chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
for bin in "$prefix/bin/moodtune" "$(cd "$OLDPWD" && realpath "$build")/moodtune"; do
  out=$("$bin" analyze "$elsewhere/blank.png" 2>&1) ||
    { echo "FAIL: $bin analyze blank.png: $out" >&2; exit 1; }
  echo "$out" | grep -q "(64x48): no face" || { echo "FAIL: $bin analyze blank.png: $out" >&2; exit 1; }
done
[ -n "$(find "$prefix" -path '*/moodtune/libmoodtune_media.so')" ] ||
  { echo "FAIL: the install has no <libdir>/moodtune/libmoodtune_media.so" >&2; exit 1; }
# A model that is nowhere: the error names the places looked at.
if err=$(MOODTUNE_HOME=/nonexistent "$prefix/bin/moodtune" analyze --model models/none.onnx "$photo" 2>&1); then
  echo "FAIL: a missing model did not fail" >&2; exit 1
fi
echo "$err" | grep -q "share/moodtune/models/none.onnx" || { echo "FAIL: $err" >&2; exit 1; }
echo "install_test: ok"
