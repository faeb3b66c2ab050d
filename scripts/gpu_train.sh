#!/usr/bin/env bash
# Runs on a lent GPU machine (PyTorch 2.x, CMake, ninja; no apt, no OpenCV): builds the
# trainer core against PyTorch's libtorch and trains on the carried packs. Two modes:
#
#   scripts/gpu_train.sh [moodtune-train flags]      one run, checkpoints in $OUT/run
#   scripts/gpu_train.sh --v2                        issue 10: teacher then distilled student
#
# --v2 trains a wide teacher (64-128-256-512) on FER2013 train + real-photo train, then the
# shipped-size student (32-64-128-256) distilled from it, selecting both on the real-photo dev
# pack; each stage has a time budget so the whole run fits in one 10-minute call, and each stage
# resumes from its own last.ckpt. To go on in a later run, carry the previous $OUT back in as
# runs/gpu (RESUME_FROM=runs/gpu, the default when it exists).
# Carry for --v2 (about 61 MB): data/packed/train.mtpk and data/real; for a single run:
# data/packed (train and validation). All from `moodtune pack` (docs/model_card.md). Export
# and calibration run on the CPU machine afterwards (libonnx).
set -u
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/train.log") 2>&1
nvidia-smi -L || true
py=$(command -v python3 || command -v python)
$py -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
prefix=$($py -c 'import torch; print(torch.utils.cmake_prefix_path)')
bin=build-gpu/moodtune-train
t0=$(date +%s)
if ! { cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMOODTUNE_TRAINER_ONLY=ON \
         -DMOODTUNE_BUILD_TESTS=OFF -DMOODTUNE_BUILD_BENCH=OFF -DCMAKE_PREFIX_PATH="$prefix" &&
       cmake --build build-gpu --target moodtune-train; }; then
  echo "cmake build failed; compiling directly with g++" >&2
  inc=$($py -c 'from torch.utils.cpp_extension import include_paths; print(" ".join("-I"+p for p in include_paths()))')
  lib=$($py -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  abi=$($py -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
  mkdir -p build-gpu/obj
  pids=()
  for f in tools/train/model.cc tools/train/augment.cc tools/train/checkpoint.cc \
           tools/train/trainer.cc tools/train/train_main.cc src/core/pack.cc src/core/status.cc \
           src/core/eval_metrics.cc; do
    g++ -O2 -std=c++20 -D_GLIBCXX_USE_CXX11_ABI=$abi $inc -Iinclude -Itools/train -c "$f" \
        -o "build-gpu/obj/$(basename "$f" .cc).o" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "compile failed" >&2; exit 1; }; done
  g++ build-gpu/obj/*.o -o "$bin" -L"$lib" -Wl,-rpath,"$lib" -Wl,--no-as-needed \
      -ltorch -ltorch_cuda -ltorch_cpu -lc10_cuda -lc10 -lpthread || exit 1
fi
echo "build took $(( $(date +%s) - t0 ))s"

if [ "${1:-}" != "--v2" ]; then
  mkdir -p "$OUT/run"
  "$bin" --train data/packed/train.mtpk --val data/packed/validation.mtpk --out "$OUT/run" \
         --device cuda "$@"
  rc=$?
  rm -f "$OUT"/run/*.part
  echo "trainer exit $rc after $(( $(date +%s) - t0 ))s"
  exit $rc
fi

# ---- v2: teacher, then distilled student ----
resume_from=${RESUME_FROM:-runs/gpu}
if [ -d "$resume_from" ] && [ "$(realpath "$resume_from")" != "$(realpath "$OUT")" ]; then
  for stage in teacher student; do
    [ -f "$resume_from/$stage/last.ckpt" ] || continue
    mkdir -p "$OUT/$stage" && cp "$resume_from/$stage/"*.ckpt "$OUT/$stage/"
    echo "resuming $stage from $resume_from/$stage"
  done
fi
train=(--train data/packed/train.mtpk --train data/real/faces-in-the-wild-train.mtpk
       --val data/real/faces-in-the-wild-dev.mtpk --device cuda --seed 42)
run_stage() {  # name, time budget in s, flags...
  local name=$1 budget=$2; shift 2
  local resume=""
  [ -f "$OUT/$name/last.ckpt" ] && resume=--resume
  echo "== $name (budget ${budget}s) $(( $(date +%s) - t0 ))s in"
  "$bin" "${train[@]}" --out "$OUT/$name" --time-budget "$budget" $resume "$@"
  local rc=$?
  rm -f "$OUT/$name"/*.part
  return $rc
}
# Budgets fit one 600 s device call with the build (about 35 s) and start-up.
run_stage teacher "${TEACHER_BUDGET:-240}" --widths 64,128,256,512 --epochs 80 --lr 0.05 || exit 1
run_stage student "${STUDENT_BUDGET:-180}" --teacher "$OUT/teacher/best.ckpt" --epochs 120 \
  --distill-weight 0.7 --distill-temperature 4 || exit 1
echo "v2 done after $(( $(date +%s) - t0 ))s; next, on the CPU machine:"
echo "  build/moodtune-train calibrate --checkpoint runs/gpu/student/best.ckpt --data data/real/faces-in-the-wild-dev.mtpk"
echo "  build/moodtune-train export --checkpoint runs/gpu/student/best.ckpt --temperature T --out models/emotion/emotion.onnx"
