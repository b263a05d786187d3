#!/usr/bin/env bash
# TensorFlow.js checks mnist_dp's Keras export (ctest `keras_export_in_tfjs`):
# trains a small mlp512 (1 epoch, 5120 images), exports it to Keras .h5,
# converts that file with h5py alone into a TensorFlow.js layers model
# (keras_h5_to_tfjs.py), loads it with @tensorflow/tfjs in node, and requires
# its predicted digits on the first 1,000 MNIST test images to equal
# `mnist_dp predict`'s; then the same for `mnist_dp export --format tfjs`.
# Usage: tests/js/check_tfjs.sh BINARY DATA_DIR TFJS_DIR
#   TFJS_DIR: where launch/setup.sh installed @tensorflow/tfjs (build/tfjs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(realpath "$1") data=$(realpath "$2") tfjs=$(realpath "$3")
[ -d "$tfjs/node_modules/@tensorflow/tfjs" ] ||
  { echo "check_tfjs.sh: @tensorflow/tfjs is not in $tfjs (run launch/setup.sh)" >&2; exit 2; }
work=$(mktemp -d /tmp/mnist_dp_tfjs.XXXXXX)
trap 'rm -rf "$work"' EXIT
count=1000
images=$data/t10k-images-idx3-ubyte

"$binary" --config "$here/../../configs/mlp512.yaml" --set data.dir="$data" \
  --set data.train_limit=5120 --set training.epochs=1 --set output.metrics= \
  --set output.checkpoint_dir="$work/ck" --verbose 0
"$binary" export --checkpoint "$work/ck" --out "$work/model.h5" > /dev/null
"$binary" predict --model "$work/model.h5" --idx "$images" --count $count --csv "$work/p.csv" \
  > /dev/null
cut -d, -f2 "$work/p.csv" | tail -n +2 > "$work/mnist_dp.txt"
[ "$(wc -l < "$work/mnist_dp.txt")" -eq $count ] || { echo "check_tfjs.sh: FAIL: predict wrote $(wc -l < "$work/mnist_dp.txt") rows" >&2; exit 1; }

same_as_predict() {  # MODEL_DIR WHAT
  NODE_PATH=$tfjs/node_modules node "$here/predict_tfjs.mjs" "$1" "$images" $count \
    > "$work/tfjs.txt" 2> "$work/node.log" || { cat "$work/node.log"; exit 1; }
  if ! cmp -s "$work/mnist_dp.txt" "$work/tfjs.txt"; then
    echo "check_tfjs.sh: FAIL: $2: $(diff "$work/mnist_dp.txt" "$work/tfjs.txt" | grep -c '^<') of $count predictions differ" >&2
    exit 1
  fi
  echo "check_tfjs.sh: $2: TensorFlow.js predicts the same digit as mnist_dp for all $count images"
}
/usr/bin/python3 "$here/keras_h5_to_tfjs.py" "$work/model.h5" "$work/from_h5"
same_as_predict "$work/from_h5" "the Keras .h5, converted with h5py"
"$binary" export --checkpoint "$work/ck" --format tfjs --out "$work/exported" > /dev/null
same_as_predict "$work/exported" "export --format tfjs"
