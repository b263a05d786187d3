#!/usr/bin/env bash
# Freezes or thaws one host's link in the namespace cluster:
#   launch/cluster/link.sh HOST freeze|thaw
# freeze: the switch drops every frame to and from HOST (its switch port is
# down), as a cable that silently loses every packet: no reset, no
# error, TCP just never hears back. thaw: forwarding again, with the
# hosts' neighbour tables cleared.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"
[[ $# -eq 2 && $1 =~ ^h[1-9][0-9]*$ ]] || { echo "usage: $0 HOST freeze|thaw" >&2; exit 2; }
case $2 in
  freeze) state=down ;;
  thaw) state=up ;;
  *) echo "usage: $0 HOST freeze|thaw" >&2; exit 2 ;;
esac
ip -n "$SWITCH_NS" link set "port${1#h}" "$state"
# Hosts that failed to resolve a neighbour over the frozen link keep a FAILED
# entry that refuses new connections at once; a thawed link starts clean.
if [[ $state == up ]]; then
  for h in $(cluster_hosts); do ip -n "$(host_ns "$h")" neigh flush all; done
fi
