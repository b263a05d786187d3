#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/ and runs
# each for RUNS executions (default 1000000), seeded from the shipped configs,
# small real IDX files, a small real checkpoint and its Keras export. A crash
# stops that target and leaves crash-* in the working directory: turn it into
# a test. Usage: launch/fuzz.sh [RUNS] [config|idx|checkpoint|keras_model ...]
# (keras_model is not in the default list: it fuzzes HDF5 itself on unsealed
# files and stops at HDF5 1.10.8's own crashes within minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(config idx checkpoint)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNIST_DP_FUZZ=ON \
  -DMNIST_DP_TESTS=OFF > /dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_config fuzz_idx fuzz_checkpoint fuzz_keras_model \
  > /dev/null

corpus=build-fuzz/corpus
mkdir -p "$corpus/config" "$corpus/idx" "$corpus/checkpoint" "$corpus/keras_model"
cp configs/*.yaml "$corpus/config/"
head -c 2000 data/mnist/t10k-images-idx3-ubyte > "$corpus/idx/images"
head -c 100 data/mnist/t10k-labels-idx1-ubyte > "$corpus/idx/labels"
gzip -c "$corpus/idx/labels" > "$corpus/idx/labels.gz"
if [ ! -f "$corpus/checkpoint/small.h5" ]; then
  build/mnist_dp --config configs/digits8x8.yaml --set training.epochs=1 --set output.metrics= \
    --set output.checkpoint_dir="$corpus/ckpt-made" > /dev/null
  cp "$(readlink -f "$corpus/ckpt-made/latest.h5")" "$corpus/checkpoint/small.h5"
fi
if [ ! -f "$corpus/keras_model/small.h5" ]; then
  build/mnist_dp export --checkpoint "$corpus/checkpoint/small.h5" \
    --out "$corpus/keras_model/small.h5" > /dev/null
fi
# HDF5 keeps memory on its error paths and mallocs sizes read from corrupt
# files; neither is ours to fix, so leaks are not reported and a failed huge
# malloc returns NULL to HDF5 (as it would without ASan).
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
# Longest input per target: configs are under 2 KB, so 4 KB leaves room
# without letting the corpus drift into slow, huge YAML documents.
declare -A max_len=([config]=4096 [idx]=65536 [checkpoint]=65536 [keras_model]=65536)
status=0
for t in "${targets[@]}"; do
  echo "fuzz.sh: fuzz_$t, $runs runs"
  start=$(date +%s)
  rc=0
  build-fuzz/fuzz_"$t" "$corpus/$t" -runs="$runs" -max_len="${max_len[$t]}" \
    > "build-fuzz/fuzz_$t.log" 2>&1 || rc=$?
  grep -E "^Done|ERROR|SUMMARY" "build-fuzz/fuzz_$t.log" || true
  echo "fuzz.sh: fuzz_$t exit $rc, took $(( $(date +%s) - start )) s (log: build-fuzz/fuzz_$t.log)"
  [ "$rc" -eq 0 ] || status=1
done
exit $status
