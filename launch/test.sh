#!/usr/bin/env bash
# One command for a fresh machine: set up, then run the whole test suite
# (labels unit, mpi, e2e, slurm and cluster; e2e trains on the real MNIST files).
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
ctest --test-dir build --output-on-failure "$@"
