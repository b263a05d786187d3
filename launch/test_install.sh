#!/usr/bin/env bash
# The install test (ctest `install_and_train`): installs BUILD_DIR into a
# temporary prefix and, from a working directory outside the source tree,
# runs the installed binary's --version and trains one short epoch at -np 2
# through the installed launch/run_local.sh with the installed config, reading
# the data from DATA_DIR, then serves that run's model with the installed
# serve_web.sh. The installed binary must not name the source tree.
# Usage: launch/test_install.sh BUILD_DIR DATA_DIR
set -euo pipefail
build=$(realpath "$1") data=$(realpath "$2")
source_dir=$(cd "$(dirname "$0")/.." && pwd)
prefix=$(mktemp -d /tmp/mnist_dp_install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
fail() { echo "test_install.sh: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" > /dev/null
share=$prefix/share/mnist_dp
for f in bin/mnist_dp share/mnist_dp/configs/mlp512.yaml share/mnist_dp/launch/run_local.sh \
         share/mnist_dp/launch/slurm/mnist_dp.sbatch share/mnist_dp/launch/cluster/up.sh \
         share/mnist_dp/launch/serve_web.sh share/mnist_dp/web/index.html \
         share/mnist_dp/web/tf.min.js; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
if grep -q "$source_dir" "$prefix/bin/mnist_dp"; then fail "the installed binary names $source_dir"; fi

mkdir "$prefix/work" && cd "$prefix/work"
"$prefix/bin/mnist_dp" --version | grep -q "^mnist_dp " || fail "--version"
PATH=/usr/bin:/bin bash "$share/launch/run_local.sh" -n 2 -- --config "$share/configs/mlp512.yaml" \
  --set data.dir="$data" --set data.train_limit=2560 --set training.epochs=1 > train.log 2>&1 ||
  { cat train.log; fail "training from the prefix failed"; }
grep -q "^Epoch 1/1" train.log || { cat train.log; fail "no epoch line"; }
[ -e runs/mlp512/checkpoints/latest.h5 ] || fail "no checkpoint in the working directory"

# The installed serve_web.sh exports the run just made and serves the page.
PATH=/usr/bin:/bin setsid bash "$share/launch/serve_web.sh" --port 0 > serve.log 2>&1 &
server=$!
trap 'kill -TERM -- -$server 2> /dev/null; wait; rm -rf "$prefix"' EXIT
for _ in $(seq 100); do
  port=$(sed -n 's/^Serving HTTP on [^ ]* port \([0-9]*\).*/\1/p' serve.log)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat serve.log; fail "serve_web.sh did not start serving"; }
for page in index.html tf.min.js model/model.json; do
  curl -fs "http://127.0.0.1:$port/$page" > /dev/null || { cat serve.log; fail "serve_web.sh does not serve $page"; }
done
echo "test_install.sh: installed into $prefix, trained and served the digit page from there"
