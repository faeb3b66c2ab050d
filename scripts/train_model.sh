#!/usr/bin/env bash
# Reproduces models/emotion/emotion.onnx: pack FER2013, train, export.
#   scripts/train_model.sh [moodtune-train flags]      e.g. --epochs 160 --seed 42
# Runs on CUDA when libtorch sees a GPU, else on the CPU (slow: about 9 minutes per epoch on
# 2 cores; use --stop-after N and --resume to spread a run over several sessions). On a lent
# GPU machine without OpenCV use scripts/gpu_train.sh instead, then the export step below.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${MOODTUNE_FER_DIR:-../shared/data/fer2013}
scripts/setup.sh --with-trainer
if [ ! -f data/packed/train.mtpk ] || [ ! -f data/packed/validation.mtpk ]; then
  build/moodtune pack --data "$data" --out data/packed
fi
build/moodtune-train --train data/packed/train.mtpk --val data/packed/validation.mtpk \
  --out runs/emotion --epochs 160 --seed 42 "$@"
build/moodtune-train export --checkpoint runs/emotion/best.ckpt --out models/emotion/emotion.onnx
build/moodtune-train score --checkpoint runs/emotion/best.ckpt --data data/packed/validation.mtpk
