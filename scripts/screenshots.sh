#!/usr/bin/env bash
# README screenshots (issue 13), made by the browser test itself: headless Debian Chromium
# with a fake camera fed dlib's face photo drives the real page against `moodtune serve`, and
# the pictures it takes after its checks pass are copied to docs/screenshots/. Re-run when
# the page changes. Needs a build (scripts/setup.sh) and the browser test's node_modules.
# Usage: scripts/screenshots.sh [BUILD_DIR]   (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node tests/web/web_test.js --moodtune "$build/moodtune" --fixture "$build/tests/web/face_fixture" \
  --photo /usr/share/doc/libdlib19.1/examples/faces/2009_004587.jpg --source "$PWD" \
  --artifacts "$tmp"
mkdir -p docs/screenshots
for shot in web_page web_page_phone web_page_live; do
  if [ -f "$tmp/$shot.png" ]; then
    cp "$tmp/$shot.png" "docs/screenshots/$shot.png"
    echo "docs/screenshots/$shot.png"
  fi
done
