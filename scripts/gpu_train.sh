#!/usr/bin/env bash
# Runs on a lent GPU machine (PyTorch 2.x, CMake, ninja; no apt, no OpenCV): builds the
# trainer core against PyTorch's libtorch, trains on the carried packs, and leaves
# checkpoints in $OUT/run (last.ckpt every epoch, best.ckpt on each best validation score).
# Usage (from the device tool, with carry ["data/packed"]):
#   scripts/gpu_train.sh [extra moodtune-train flags]
set -u
OUT=${OUT:-runs/gpu}
mkdir -p "$OUT/run"
exec > >(tee "$OUT/train.log") 2>&1
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
           tools/train/trainer.cc tools/train/train_main.cc src/core/pack.cc src/core/status.cc; do
    g++ -O2 -std=c++20 -D_GLIBCXX_USE_CXX11_ABI=$abi $inc -Iinclude -Itools/train -c "$f" \
        -o "build-gpu/obj/$(basename "$f" .cc).o" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "compile failed" >&2; exit 1; }; done
  g++ build-gpu/obj/*.o -o "$bin" -L"$lib" -Wl,-rpath,"$lib" -Wl,--no-as-needed \
      -ltorch -ltorch_cuda -ltorch_cpu -lc10_cuda -lc10 -lpthread || exit 1
fi
echo "build took $(( $(date +%s) - t0 ))s"
"$bin" --train data/packed/train.mtpk --val data/packed/validation.mtpk --out "$OUT/run" \
       --device cuda "$@"
rc=$?
rm -f "$OUT"/run/*.part
echo "trainer exit $rc after $(( $(date +%s) - t0 ))s"
