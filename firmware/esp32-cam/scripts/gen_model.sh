#!/usr/bin/env bash
# Writes src/emotion_int8_model.cpp (the int8 emotion net as const arrays, ~1.2 MB of flash;
# git-ignored) for a MOODTUNE_ON_DEVICE firmware build: run once before `pio run`, and again
# when models/emotion/ changes. It builds the host generator (moodtune_int8_gen: the same one
# the CMake build runs, OpenCV DNN) and runs it on models/emotion/emotion.onnx with the
# checked-in calibration models/emotion/emotion_int8_ranges.txt.
# Usage: scripts/gen_model.sh [BUILD_DIR]   (default: <repo>/build; configured if missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fw="$(dirname "$here")"
repo="$(cd "$fw/../.." && pwd)"
build="${1:-$repo/build}"
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOODTUNE_BUILD_TRAINER=OFF
fi
cmake --build "$build" --target moodtune_int8_gen
"$build/src/device/moodtune_int8_gen" "$repo/models/emotion/emotion.onnx" \
  "$repo/models/emotion/emotion_int8_ranges.txt" "$fw/src/emotion_int8_model.cpp"
