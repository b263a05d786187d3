#!/usr/bin/env bash
# Removes the cluster made by launch/cluster/up.sh: ends every process still
# running in its namespaces, then deletes the namespaces (their veth pairs,
# bridge and qdiscs go with them). Safe to run when nothing is left.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"

for ns in $(ip netns list | awk '{print $1}' | grep -E "^$CLUSTER-(h[0-9]+|switch)$"); do
  pids=$(ip netns pids "$ns" 2>/dev/null)
  [[ -n $pids ]] && kill -9 $pids 2>/dev/null
  ip netns del "$ns"
done
exit 0
