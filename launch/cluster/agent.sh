#!/usr/bin/env bash
# Open MPI's remote launch agent for the namespace cluster (plm_rsh_agent):
# called like ssh, as `agent.sh HOST COMMAND...`, it runs COMMAND (the Open
# MPI daemon) inside HOST's namespace with HOST as its hostname.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
host=$1; shift
exec ip netns exec "$(host_ns "$host")" unshare --uts \
  sh -c 'hostname "$0" && exec sh -c "$1"' "$host" "$*"
