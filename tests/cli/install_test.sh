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
# A model that is nowhere: the error names the places looked at.
if err=$(MOODTUNE_HOME=/nonexistent "$prefix/bin/moodtune" analyze --model models/none.onnx "$photo" 2>&1); then
  echo "FAIL: a missing model did not fail" >&2; exit 1
fi
echo "$err" | grep -q "share/moodtune/models/none.onnx" || { echo "FAIL: $err" >&2; exit 1; }
echo "install_test: ok"
