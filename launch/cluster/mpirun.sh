#!/usr/bin/env bash
# mpirun across the namespace cluster: starts mpirun on h1 (its namespace
# and hostname) with the launch agent for the other hosts, and MPI traffic
# on the cluster's links only. Waiting ranks yield the core: the emulated
# hosts share this machine's cores with the kernel's network stack, and
# busy-polling ranks starve it (3x slower per step on 2 cores). Arguments
# are mpirun's, e.g.
#   launch/cluster/mpirun.sh --host h1:2,h2:2 -np 4 build/mnist_dp --config configs/mlp512.yaml
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
if ! ip netns list | grep -q "^$(host_ns h1)\b"; then
  echo "$0: no cluster '$CLUSTER'; start one with launch/cluster/up.sh N" >&2
  exit 2
fi
exec ip netns exec "$(host_ns h1)" unshare --uts sh -c 'hostname h1 && exec "$@"' sh \
  mpirun --allow-run-as-root \
  --mca plm_rsh_agent "$here/agent.sh" --mca plm_rsh_no_tree_spawn 1 \
  --mca oob_tcp_if_include eth0 --mca btl_tcp_if_include eth0 --mca mpi_yield_when_idle 1 "$@"
