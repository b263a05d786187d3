#!/usr/bin/env bash
# One command for a fresh machine: set up, then train the Keras tutorial
# network (configs/mlp512.yaml) on 2 MPI ranks. Extra arguments go to mnist_dp.
set -euo pipefail
cd "$(dirname "$0")/.."
bash launch/setup.sh
root_flag=()
[ "$(id -u)" -ne 0 ] || root_flag=(--allow-run-as-root)
exec mpirun "${root_flag[@]}" -np 2 build/mnist_dp --config configs/mlp512.yaml "$@"
