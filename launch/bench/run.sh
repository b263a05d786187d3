#!/usr/bin/env bash
# The performance benchmark: builds mnist_dp in Release, installs Debian's
# python3-torch if it is missing, and runs launch/bench/bench.py, which times
# mnist_dp and the PyTorch peer alternately and prints the table and ratios.
# Usage: launch/bench/run.sh [--rounds N] [--epochs E] [--lever-epochs E] [--torch-epochs E]
#                            [--json FILE] [--baseline OTHER_MNIST_DP_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash launch/setup.sh > /dev/null
if ! /usr/bin/python3 -c "import torch" 2> /dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends python3-torch
fi
exec /usr/bin/python3 launch/bench/bench.py "$@"
