#!/usr/bin/env bash
# The scaling benchmark in one command: builds, then runs launch/scaling/scaling.py
# (strong and weak scaling over -np 1,2,4,8 on shared memory and TCP, allreduce
# timings, the fitted ring model and a projection to 16-64 nodes).
# Usage: launch/scaling/run.sh [--ranks 1,2,4,8] [--epochs 3] [--out runs/scaling]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash launch/setup.sh > /dev/null
exec /usr/bin/python3 launch/scaling/scaling.py "$@"
