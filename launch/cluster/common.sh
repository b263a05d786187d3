# Names shared by the cluster scripts (sourced, not run). A cluster is a
# "switch" namespace holding a bridge and N "host" namespaces, each joined
# to the bridge by a veth pair, with addresses in MNIST_DP_CLUSTER_NET that
# exist only inside these namespaces.
CLUSTER=${MNIST_DP_CLUSTER:-mdp}
CLUSTER_NET=${MNIST_DP_CLUSTER_NET:-10.213.0}
SWITCH_NS="$CLUSTER-switch"

host_ns() { echo "$CLUSTER-$1"; }              # h1 -> mdp-h1
host_address() { echo "$CLUSTER_NET.${1#h}"; } # h1 -> 10.213.0.1

# The host namespaces of this cluster, h1 first.
cluster_hosts() {
  ip netns list | awk '{print $1}' | sed -n "s/^$CLUSTER-\(h[0-9][0-9]*\)$/\1/p" | sort -V
}
