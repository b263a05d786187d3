#!/usr/bin/env bash
# Runs mnist_dp under mpirun on this machine with sane defaults: one rank per
# core by default, each rank (one compute thread) bound to its own core;
# root-safe; --oversubscribe only on request; a stop request (Ctrl-C, SIGTERM,
# SIGUSR1) ends the run with a checkpoint and exit 5.
# Usage: launch/run_local.sh [-n RANKS] [--oversubscribe] [--tcp] [--] MNIST_DP_ARGS...
#   -n RANKS          MPI ranks (default: the number of cores)
#   --oversubscribe   allow more ranks than cores (binding is then off)
#   --tcp             use only the TCP transport (no shared memory), as between nodes
# Environment: MNIST_DP_BINARY (default: build/mnist_dp in the repository, or
# bin/mnist_dp of the prefix this script is installed under), MPIRUN (default mpirun).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
ranks=$(nproc)
oversubscribe=0
tcp=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n|-np) [ $# -ge 2 ] || { echo "run_local.sh: $1 needs a number" >&2; exit 2; }; ranks=$2; shift 2 ;;
    --oversubscribe) oversubscribe=1; shift ;;
    --tcp) tcp=1; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ "$ranks" =~ ^[1-9][0-9]*$ ]] || { echo "run_local.sh: ranks must be a positive integer (got '$ranks')" >&2; exit 2; }
cores=$(nproc)
if [ "$ranks" -gt "$cores" ] && [ "$oversubscribe" -eq 0 ]; then
  echo "run_local.sh: $ranks ranks on $cores cores; add --oversubscribe to allow it" >&2
  exit 2
fi

args=(-np "$ranks")
[ "$(id -u)" -ne 0 ] || args+=(--allow-run-as-root)
if [ "$oversubscribe" -eq 1 ]; then
  args+=(--oversubscribe --bind-to none)
else
  args+=(--map-by core --bind-to core)
fi
[ "$tcp" -eq 0 ] || args+=(--mca btl tcp,self)
# Ctrl-C, SIGTERM and SIGUSR1 reach mnist_dp as SIGUSR1, which mpirun forwards
# to every rank: the ranks write a checkpoint and the job ends with exit 5.
# (mpirun itself answers SIGINT/SIGTERM by killing the ranks one second later
# and exiting 1.) mpirun runs in its own session so that a terminal's Ctrl-C
# reaches only this script.
binary=${MNIST_DP_BINARY:-$repo/build/mnist_dp}
installed=$repo/../../bin/mnist_dp  # installed as PREFIX/share/mnist_dp/launch/
if [ -z "${MNIST_DP_BINARY:-}" ] && [ ! -x "$binary" ] && [ -x "$installed" ]; then
  binary=$installed
fi
setsid "${MPIRUN:-mpirun}" "${args[@]}" "$binary" "$@" &
mpirun_pid=$!
forward_stop() { kill -USR1 "$mpirun_pid" 2> /dev/null || true; }
trap forward_stop INT TERM USR1
status=0
while :; do
  wait "$mpirun_pid" && status=0 || status=$?
  kill -0 "$mpirun_pid" 2> /dev/null || break  # wait returned for a trapped signal
done
exit "$status"
