#!/usr/bin/env bash
# Reproduces models/emotion/emotion.onnx (v2, issue 10) on this 2-core CPU machine, about 20 min:
#   1. pack FER2013 (pre-cropped) and the real photos (detector + FaceInput, as analyze does);
#   2. import the FER2013-only base model (models/emotion/fer2013_base.onnx, the v1 model that
#      scripts/train_model.sh --from-scratch and scripts/gpu_train.sh reproduce);
#   3. fine-tune it on real-photo train + 6,000 FER2013 images, selecting the epoch on
#      faces-in-the-wild-dev;
#   4. fit a temperature on the dev pack and export with it baked in;
#   5. print the figures of docs/model_card.md.
# Extra flags go to the fine-tuning run. Usage: scripts/train_model.sh [moodtune-train flags]
# MOODTUNE_RUN_DIR (runs/v2) and MOODTUNE_MODEL_OUT (models/emotion/emotion.onnx) redirect it.
#   scripts/train_model.sh --from-scratch   the v1 recipe instead: FER2013 only, 160 epochs
#                                           (a GPU run; about 9 minutes per epoch on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${MOODTUNE_DATA_DIR:-../shared/data}
run=${MOODTUNE_RUN_DIR:-runs/v2}
out=${MOODTUNE_MODEL_OUT:-models/emotion/emotion.onnx}
scripts/setup.sh --with-trainer
if [ ! -f data/packed/train.mtpk ] || [ ! -f data/packed/validation.mtpk ]; then
  build/moodtune pack --data "$data/fer2013" --out data/packed
fi
if [ "${1:-}" = "--from-scratch" ]; then
  shift
  build/moodtune-train --train data/packed/train.mtpk --val data/packed/validation.mtpk \
    --out runs/emotion --epochs 160 --seed 42 "$@"
  build/moodtune-train export --checkpoint runs/emotion/best.ckpt --out models/emotion/fer2013_base.onnx
  exit 0
fi
for split in faces-in-the-wild-train faces-in-the-wild-dev; do
  # --face-backend opencv: the detector the shipped model's packs were cut with (its boxes
  # differ from oneDNN's by ~1e-4 px, enough to move a few crop pixels; docs/vision.md).
  [ -f "data/real/$split.mtpk" ] || build/moodtune pack --faces --face-backend opencv \
    --data "$data/$split" --out data/real
done
mkdir -p "$run"
build/moodtune-train import --onnx models/emotion/fer2013_base.onnx --data data/packed/train.mtpk \
  --out "$run/base.ckpt"
resume=""
[ -f "$run/ft/last.ckpt" ] && resume=--resume
build/moodtune-train --train data/real/faces-in-the-wild-train.mtpk --train data/packed/train.mtpk:6000 \
  --val data/real/faces-in-the-wild-dev.mtpk --init "$run/base.ckpt" --out "$run/ft" \
  --epochs 6 --lr 0.01 --warmup 1 --freeze-blocks 1 --class-weight-power "${CLASS_WEIGHT_POWER:-0.5}" \
  --seed 42 --device cpu $resume "$@"
calib=$(build/moodtune-train calibrate --checkpoint "$run/ft/best.ckpt" \
          --data data/real/faces-in-the-wild-dev.mtpk)
echo "$calib"
t=$(echo "$calib" | sed -n 's/.*"temperature": \([0-9.eE+-]*\).*/\1/p')
build/moodtune-train export --checkpoint "$run/ft/best.ckpt" --temperature "$t" --out "$out"
build/moodtune eval --data "$data/faces-in-the-wild-dev" --mirror --model "$out"
build/moodtune eval --data "$data/fer2013/validation" --assume-face --model "$out"
