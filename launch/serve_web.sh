#!/usr/bin/env bash
# Serves the digit page (web/) on localhost with a model exported from a
# checkpoint directory: draw a digit in the browser and see the ten
# probabilities. By default the checkpoint directory is the most recently
# written runs/*/checkpoints under the current directory (where the configs'
# relative output paths put them). The page, TensorFlow.js (installed by
# launch/setup.sh into build/tfjs; an installed copy is in PREFIX/share/
# mnist_dp/web) and the export are put in a fresh temporary directory, removed
# when the server stops (Ctrl-C); nothing in the run is written to.
# Usage: launch/serve_web.sh [CHECKPOINT_DIR] [--port N]   (default port 8000;
#        0 takes a free one, named in the "Serving HTTP on ..." line)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
usage="usage: serve_web.sh [CHECKPOINT_DIR] [--port N]"
checkpoints="" port=8000
while [ $# -gt 0 ]; do
  case $1 in
    --port) [ $# -ge 2 ] || { echo "serve_web.sh: --port needs a number; $usage" >&2; exit 2; }
            port=$2; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    -*) echo "serve_web.sh: unknown option $1; $usage" >&2; exit 2 ;;
    *) [ -z "$checkpoints" ] || { echo "serve_web.sh: one checkpoint directory only; $usage" >&2; exit 2; }
       checkpoints=$1; shift ;;
  esac
done
[[ $port =~ ^[0-9]+$ ]] || { echo "serve_web.sh: --port: '$port' is not a port number" >&2; exit 2; }
if [ -z "$checkpoints" ]; then
  checkpoints=$(ls -td runs/*/checkpoints 2> /dev/null | head -n 1 || true)
  [ -n "$checkpoints" ] ||
    { echo "serve_web.sh: no runs/*/checkpoints yet: train first (launch/quickstart.sh) or name a checkpoint directory" >&2; exit 3; }
fi
# The source tree's build, else this prefix's (PREFIX/share/mnist_dp/launch/),
# else PATH's; MNIST_DP_BINARY overrides.
binary=${MNIST_DP_BINARY:-$repo/build/mnist_dp}
[ -x "$binary" ] || binary=$repo/../../bin/mnist_dp
[ -x "$binary" ] || binary=$(command -v mnist_dp || true)
[ -n "$binary" ] || { echo "serve_web.sh: mnist_dp is not built (launch/setup.sh)" >&2; exit 1; }
# MNIST_DP_TFJS: the npm prefix holding @tensorflow/tfjs.
tfjs=${MNIST_DP_TFJS:-$repo/build/tfjs}/node_modules/@tensorflow/tfjs/dist/tf.min.js
[ -f "$tfjs" ] || [ -n "${MNIST_DP_TFJS:-}" ] || tfjs=$repo/web/tf.min.js
[ -f "$tfjs" ] || { echo "serve_web.sh: $tfjs: no such file (launch/setup.sh installs TensorFlow.js)" >&2; exit 1; }
python=/usr/bin/python3
[ -x $python ] || python=python3

site=$(mktemp -d /tmp/mnist_dp_web.XXXXXX)
trap 'rm -rf "$site"' EXIT
cp "$repo"/web/index.html "$repo"/web/style.css "$repo"/web/digit.js "$repo"/web/app.js "$tfjs" "$site"/
"$binary" export --checkpoint "$checkpoints" --format tfjs --out "$site/model"
[ "$port" = 0 ] || echo "serve_web.sh: open http://localhost:$port/ (Ctrl-C stops the server)"
# Not exec: the trap removes the site when the server ends.
"$python" -u -m http.server --bind 127.0.0.1 --directory "$site" "$port"
