#!/usr/bin/env bash
# Scaling across hosts in one command: builds, then runs launch/scaling/hosts.py
# (1, 2 and 4 namespace hosts at two shaped link rates, the ring model fitted
# to 2 hosts and checked at 4, the projection to 16-64 nodes). Needs root.
# Usage: launch/scaling/hosts.sh [--rates 1gbit,2gbit] [--epochs 2] [--out runs/scaling]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash launch/setup.sh > /dev/null
exec /usr/bin/python3 launch/scaling/hosts.py "$@"
