#!/usr/bin/env bash
# Creates a cluster of N hosts on this machine (network namespaces h1..hN
# behind one bridge) and optionally shapes every link with tc.
#   launch/cluster/up.sh N [--rate RATE] [--delay DELAY]
# RATE and DELAY are tc units, e.g. --rate 10gbit --delay 25us. Both
# directions of each host's link are shaped (rate: htb; delay: netem, which
# some kernels lack: then --delay is refused), so a message between two
# hosts crosses two shaped links. Needs root. Everything it made is removed again
# if it fails or is interrupted; launch/cluster/down.sh removes a cluster.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh"

usage() { echo "usage: $0 N [--rate RATE] [--delay DELAY]" >&2; exit 2; }
[[ $# -ge 1 && $1 =~ ^[1-9][0-9]*$ && $1 -le 250 ]] || usage
hosts=$1; shift
rate="" delay=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) rate=${2:?--rate needs a value}; shift 2 ;;
    --delay) delay=${2:?--delay needs a value}; shift 2 ;;
    *) usage ;;
  esac
done
if [[ $(id -u) -ne 0 ]]; then echo "$0: needs root (ip netns)" >&2; exit 2; fi
if ip netns list | grep -q "^$SWITCH_NS\b"; then
  echo "$0: cluster '$CLUSTER' exists; remove it with launch/cluster/down.sh" >&2
  exit 2
fi

trap 'status=$?; trap - EXIT INT TERM; bash "$here/down.sh" >/dev/null 2>&1; exit $status' EXIT
trap 'exit 130' INT TERM

shape() {  # namespace device
  if [[ -n $rate ]]; then
    ip netns exec "$1" tc qdisc add dev "$2" root handle 1: htb default 1
    ip netns exec "$1" tc class add dev "$2" parent 1: classid 1:1 htb rate "$rate" burst 256k cburst 256k quantum 60000
  fi
  if [[ -n $delay ]]; then
    local parent=root
    [[ -n $rate ]] && parent="parent 1:1"
    if ! ip netns exec "$1" tc qdisc add dev "$2" $parent netem delay "$delay" limit 100000; then
      echo "$0: this kernel has no netem qdisc (sch_netem), so --delay is not available" >&2
      exit 2
    fi
  fi
}

ip netns add "$SWITCH_NS"
ip -n "$SWITCH_NS" link add bridge0 type bridge
ip -n "$SWITCH_NS" link set bridge0 up
for i in $(seq 1 "$hosts"); do
  ns=$(host_ns "h$i")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # A silent peer fails a TCP connection after ~6 s of retransmits, not
  # Linux's default ~15 min, so mpirun notices a host whose link froze.
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_retries2=5
  ip link add eth0 netns "$ns" type veth peer name "port$i" netns "$SWITCH_NS"
  ip -n "$SWITCH_NS" link set "port$i" master bridge0 up
  ip -n "$ns" addr add "$(host_address "h$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
  shape "$ns" eth0
  shape "$SWITCH_NS" "port$i"
done
trap - EXIT INT TERM
echo "cluster '$CLUSTER': hosts h1..h$hosts on $CLUSTER_NET.0/24${rate:+, rate $rate}${delay:+, delay $delay per link direction}"
