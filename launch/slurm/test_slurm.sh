#!/usr/bin/env bash
# Tests launch/slurm/mnist_dp.sbatch on a real, single-node Slurm on this
# machine: installs Debian's slurm-wlm and munge if missing, starts munged (if
# none runs), writes a private slurm.conf naming this host, starts slurmctld
# and slurmd, submits a short training job with `sbatch --wait` (once with
# srun --mpi=pmix, once with mpirun inside the job), checks each job's exit
# state, output epoch lines and checkpoint; then runs the scaling sweep script
# at -np 1 and 2; and stops what it started.
# The jobs are submitted exactly as the README shows (from the repository
# root, no flags), so the scripts' own #SBATCH lines are what is tested; the
# job output is read from the documented runs/slurm/<job name>-<job id>.out.
# Needs root. Usage: launch/slurm/test_slurm.sh [BINARY]   (the ctest label
# `slurm` passes the binary ctest built; default build/mnist_dp)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
export MNIST_DP_BINARY=$(realpath "${1:-build/mnist_dp}")
[ "$(id -u)" -eq 0 ] || { echo "test_slurm.sh: needs root (it starts slurmctld, slurmd and munged)" >&2; exit 2; }
[ -x "$MNIST_DP_BINARY" ] || { echo "test_slurm.sh: $MNIST_DP_BINARY is missing (run launch/setup.sh)" >&2; exit 2; }

missing=()
for p in slurm-wlm munge; do dpkg -s "$p" > /dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q > /dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" > /dev/null
fi

state=$(mktemp -d /tmp/mnist_dp_slurm.XXXXXX)
started=()
cleanup() {
  for pidfile in "${started[@]}"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2> /dev/null || true
  done
  sleep 1
  rm -rf "$state"
}
trap cleanup EXIT

# munge: Slurm's authentication. Reuse a running munged, else start one.
if ! munge -n > /dev/null 2>&1; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  [ -f /etc/munge/munge.key ] || mungekey --create > /dev/null 2>&1 || /usr/sbin/create-munge-key -f
  chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
  chmod 0700 /etc/munge
  runuser -u munge -- /usr/sbin/munged
  pgrep -u munge -n munged > "$state/munged.pid"
  started+=("$state/munged.pid")
  for _ in $(seq 20); do munge -n > /dev/null 2>&1 && break; sleep 0.5; done
fi

host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$state/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=mnistdp
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/d
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
mkdir -p "$state/ctld" "$state/d"
started+=("$state/slurmctld.pid" "$state/slurmd.pid")
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"

for _ in $(seq 60); do
  sinfo -h -o %T 2> /dev/null | grep -qE '^idle' && break
  sleep 0.5
done
if ! sinfo -h -o %T | grep -qE '^idle'; then
  echo "test_slurm.sh: FAIL: the node did not come up; slurmctld/slurmd logs:" >&2
  tail -20 "$state/slurmctld.log" "$state/slurmd.log" >&2
  exit 1
fi

# submit LAUNCHER: one short training job; checks its state and output.
submit() {
  local out job rc job_state exit_code
  set +e
  MNIST_DP_LAUNCHER=$1 sbatch --wait --parsable launch/slurm/mnist_dp.sbatch \
    --config configs/mlp512.yaml --set training.epochs=2 --set data.train_limit=6000 \
    --set output.checkpoint_dir="$state/ckpt-$1" --set output.metrics= > "$state/job.id"
  rc=$?
  set -e
  job=$(tail -1 "$state/job.id")
  out=$repo/runs/slurm/mnist_dp-$job.out
  [ -f "$out" ] || { echo "test_slurm.sh: FAIL: no job output at $out" >&2; exit 1; }
  mv "$out" "$state/job-$1.out"  # leave the repository as it was
  out=$state/job-$1.out
  cat "$out"
  job_state=$(scontrol show job "$job" | grep -o 'JobState=[A-Z]*' | cut -d= -f2)
  exit_code=$(scontrol show job "$job" | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)
  echo "test_slurm.sh: job $job ($1): sbatch exit $rc, JobState=$job_state, ExitCode=$exit_code"
  [ "$rc" -eq 0 ] && [ "$job_state" = COMPLETED ] && [ "$exit_code" = 0:0 ] ||
    { echo "test_slurm.sh: FAIL: the job did not complete cleanly" >&2; exit 1; }
  grep -q "Epoch 2/2 - " "$out" || { echo "test_slurm.sh: FAIL: no epoch lines in the job output" >&2; exit 1; }
  grep -q "2 rank(s)" "$out" || { echo "test_slurm.sh: FAIL: the job did not run 2 ranks" >&2; exit 1; }
  [ -f "$state/ckpt-$1/latest.h5" ] || { echo "test_slurm.sh: FAIL: no checkpoint written" >&2; exit 1; }
}
submit srun
submit mpirun

# The scaling sweep at -np 1 and 2: one metrics file per rank count.
set +e
RANKS="1 2" sbatch --wait --parsable --ntasks=2 launch/slurm/scaling.sbatch \
  --config configs/mlp512.yaml --set training.epochs=2 --set data.train_limit=6000 > "$state/job.id"
rc=$?
set -e
job=$(tail -1 "$state/job.id")
cat "$repo/runs/slurm/mnist_dp_scaling-$job.out" && rm -f "$repo/runs/slurm/mnist_dp_scaling-$job.out"
[ "$rc" -eq 0 ] || { echo "test_slurm.sh: FAIL: scaling job exited $rc" >&2; exit 1; }
summary=$repo/runs/slurm/scaling-$job/summary.csv
[ "$(wc -l < "$summary")" -eq 3 ] || { echo "test_slurm.sh: FAIL: $summary lacks rows" >&2; exit 1; }
rm -rf "$repo/runs/slurm/scaling-$job"
echo "test_slurm.sh: PASS"
