#!/usr/bin/env bash
# The performance benchmark: builds mnist_dp in Release, installs Debian's
# python3-torch and OpenBLAS if they are missing, and runs launch/bench/bench.py,
# which times mnist_dp and the PyTorch peer alternately and prints the table
# and ratios. OpenBLAS is the peer's: without it Debian's torch loads the
# reference BLAS (about 17x slower here), and bench.py refuses to compare.
# Usage: launch/bench/run.sh [--rounds N] [--epochs E] [--lever-epochs E] [--torch-epochs E]
#                            [--json FILE] [--baseline OTHER_MNIST_DP_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash launch/setup.sh > /dev/null
if ! dpkg -s python3-torch libopenblas0-pthread > /dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
    python3-torch libopenblas0-pthread
fi
exec /usr/bin/python3 launch/bench/bench.py "$@"
