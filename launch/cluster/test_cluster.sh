#!/usr/bin/env bash
# The multi-host test (ctest label `cluster`): on a 2-host namespace cluster
# (launch/cluster/up.sh) mnist_dp trains one epoch of mlp512 over TCP
#  - 2 hosts x 1 rank and 2 hosts x 2 ranks, deterministic: the weights are
#    byte-identical to one process, and the banner names the path that ran
#    (messages between nodes; shared memory within nodes plus messages);
#  - a single process's step-200 checkpoint resumed on 2 hosts x 2 ranks (each
#    rank restores its blocks of its node's shared parameters): the same bytes;
#  - 2 hosts x 2 ranks with the ordinary reduction (SGD, 10 steps): the
#    weights equal one node's -np 4 up to float rounding;
#  - a rank on h2 killed, then h2's link frozen mid-run: the job ends
#    within the watchdog timeout naming rank 1, and --resume auto finishes
#    byte-identical to the uninterrupted run.
# Needs root. Usage: launch/cluster/test_cluster.sh [BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=$(realpath "${1:-build/mnist_dp}")
[ "$(id -u)" -eq 0 ] || { echo "test_cluster.sh: needs root (ip netns)" >&2; exit 2; }
[ -x "$binary" ] || { echo "test_cluster.sh: $binary is missing (run launch/setup.sh)" >&2; exit 2; }
export MNIST_DP_CLUSTER=mdptest MNIST_DP_CLUSTER_NET=10.213.7
source launch/cluster/common.sh
state=$(mktemp -d /tmp/mnist_dp_cluster.XXXXXX)
cleanup() { status=$?; bash launch/cluster/down.sh; [ $status -eq 0 ] && rm -rf "$state" || echo "test_cluster.sh: logs kept in $state" >&2; }
trap cleanup EXIT
bash launch/cluster/down.sh
bash launch/cluster/up.sh 2

timeout_s=10
settings=(--set training.epochs=1 --set output.metrics= --set training.collective_timeout_s=$timeout_s)
epoch=(--config configs/mlp512.yaml "${settings[@]}")
fail() { echo "test_cluster.sh: FAIL: $*" >&2; exit 1; }
same_weights() { /usr/bin/python3 launch/cluster/weights.py "$@" || fail "weights differ: $*"; }
on_cluster() {  # LOG HOSTS NP ARGS...   (no run may take 3 minutes)
  local log=$1 hosts=$2 np=$3; shift 3
  timeout 180 launch/cluster/mpirun.sh --oversubscribe --host "$hosts" -np "$np" "$binary" "$@" \
    > "$log" 2>&1
}
# A daemon cut off from mpirun lingers until TCP keepalive gives up (minutes);
# a resource manager ends a failed job's processes on every node, and so do we.
end_leftovers() {
  local h pids
  for h in h1 h2; do
    pids=$(ip netns pids "$(host_ns "$h")")
    [ -z "$pids" ] || kill -9 $pids 2> /dev/null || true
  done
}
expect_in() { grep -q -- "$2" "$1" || { cat "$1"; fail "$1 lacks '$2'"; }; }

echo "== deterministic: 1 process, 2 hosts x 1, 2 hosts x 2"
"$binary" "${epoch[@]}" --deterministic --set output.checkpoint_dir="$state/one" \
  --set output.checkpoint_every_steps=200 --set output.keep_checkpoints=5 > "$state/one.log"
on_cluster "$state/2x1.log" h1:1,h2:1 2 "${epoch[@]}" --deterministic \
  --set output.checkpoint_dir="$state/2x1"
expect_in "$state/2x1.log" "reduction: messages between 2 node(s)"
same_weights "$state/one/latest.h5" "$state/2x1/latest.h5"
on_cluster "$state/2x2.log" h1:2,h2:2 4 "${epoch[@]}" --deterministic \
  --set output.checkpoint_dir="$state/2x2"
expect_in "$state/2x2.log" "reduction: shared memory within 2 nodes, messages between them"
same_weights "$state/one/latest.h5" "$state/2x2/latest.h5"

echo "== a 1-process checkpoint resumed on 2 hosts x 2"
mkdir "$state/resumed"
cp "$state/one/ckpt-00000200.h5" "$state/resumed/"
on_cluster "$state/resumed.log" h1:2,h2:2 4 "${epoch[@]}" --deterministic \
  --set output.checkpoint_dir="$state/resumed" --resume auto
expect_in "$state/resumed.log" "Resuming from .*ckpt-00000200.h5"
same_weights "$state/one/latest.h5" "$state/resumed/latest.h5"

echo "== ordinary reduction: 2 hosts x 2 against one node's -np 4"
# SGD: a sum that differs only by rounding stays within rounding of the other.
sed '/^optimizer:/,/^data:/c\optimizer: {name: sgd, learning_rate: 0.05}\ndata:' configs/mlp512.yaml \
  > "$state/mlp512_sgd.yaml"
short=(--config "$state/mlp512_sgd.yaml" "${settings[@]}" --set data.train_limit=1280)
mpirun --allow-run-as-root --oversubscribe -np 4 "$binary" "${short[@]}" \
  --set output.checkpoint_dir="$state/node4" > "$state/node4.log" 2>&1
on_cluster "$state/2x2sgd.log" h1:2,h2:2 4 "${short[@]}" --set output.checkpoint_dir="$state/2x2sgd"
expect_in "$state/2x2sgd.log" "reduction: shared memory within 2 nodes, messages between them"
same_weights "$state/node4/latest.h5" "$state/2x2sgd/latest.h5" --tolerance 1e-6

# FAULT ACTION: a 2x1 deterministic run checkpointing every 100 steps; once
# step 200 is on disk, ACTION breaks h2; the job must end within the watchdog
# timeout (plus Open MPI's teardown) naming rank 1, then resume to the end.
interrupted() {
  local name=$1 action=$2 expect=$3 dir="$state/$1"
  echo "== $name: $action"
  on_cluster "$state/$name.log" h1:1,h2:1 2 "${epoch[@]}" --deterministic \
    --set output.checkpoint_dir="$dir" --set output.checkpoint_every_steps=100 &
  local job=$!
  for _ in $(seq 600); do [ -e "$dir/ckpt-00000200.h5" ] && break; sleep 0.1; done
  [ -e "$dir/ckpt-00000200.h5" ] || fail "$name: no checkpoint at step 200"
  local start=$SECONDS
  $action
  local rc=0
  wait "$job" || rc=$?
  local took=$((SECONDS - start))
  [ "$rc" -ne 0 ] || fail "$name: the job finished although h2 broke"
  [ -e "$dir/ckpt-00000469.h5" ] && fail "$name: h2 broke only after the last step"
  expect_in "$state/$name.log" "$expect"
  [ "$took" -le $((timeout_s + 30)) ] || fail "$name: the job took ${took}s to end"
  echo "$name: job ended ${took}s after the fault (exit $rc)"
  launch/cluster/link.sh h2 thaw
  end_leftovers
  on_cluster "$state/$name-resume.log" h1:1,h2:1 2 "${epoch[@]}" --deterministic \
    --set output.checkpoint_dir="$dir" --set output.checkpoint_every_steps=100 --resume auto
  expect_in "$state/$name-resume.log" "Resuming from"
  same_weights "$state/one/latest.h5" "$dir/latest.h5"
}
kill_h2_rank() {
  local pid
  pid=$(ip netns pids "$(host_ns h2)" | xargs -r ps -o pid=,comm= -p |
        awk '$2 == "mnist_dp" {print $1}')
  [ -n "$pid" ] || fail "no mnist_dp process on h2"
  kill -9 $pid
}
freeze_h2() { launch/cluster/link.sh h2 freeze; }
interrupted killed kill_h2_rank "rank 1 with PID"
interrupted frozen freeze_h2 "rank 1 did not reach collective"
echo "test_cluster.sh: all cluster checks passed"
