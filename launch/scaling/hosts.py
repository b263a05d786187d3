#!/usr/bin/python3
"""Scaling across hosts, measured on namespace hosts with shaped links.

For each link rate, a cluster of 4 hosts (launch/cluster/up.sh) is started
and mnist_dp trains configs/mlp512.yaml on 1, 2 and 4 hosts with one rank
each (strong scaling, global batch 128); the communication per step is the
profile's allreduce phase divided by the steps. build/allreduce_bench times
MPI's allreduce over 2 and 4 hosts from 1 KiB to 16 MiB. The ring model
T = 2(p-1)*alpha + 2(p-1)/p * N/B is fitted to the 2-host measurements only
(allreduce timings from 256 KiB; the training step's communication) and its
predictions for 4 hosts are compared with the 4-host measurements (the
projection's measured error); the step model then projects epoch time to
16-64 nodes. Writes hosts.csv, hosts_allreduce.csv, hosts_fit.json
and hosts_report.md into --out. Needs root. Run by launch/scaling/hosts.sh.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaling import GRADIENT_BYTES, REPO, TRAIN_IMAGES, fit_ring, ring  # noqa: E402
from sweep_progress import SweepProgress  # noqa: E402

CLUSTER = dict(os.environ, MNIST_DP_CLUSTER="mdpscale", MNIST_DP_CLUSTER_NET="10.213.9")
HOSTS = [1, 2, 4]
LARGE = 256 << 10  # bytes: allreduce timings from here on are bandwidth-bound


def cluster(script, *args):
    subprocess.run(["bash", os.path.join(REPO, "launch/cluster", script), *args], check=True,
                   env=CLUSTER, stdout=subprocess.DEVNULL)


def on_hosts(hosts, command, env=CLUSTER):
    spec = ",".join(f"h{i}:1" for i in range(1, hosts + 1))
    return subprocess.run([os.path.join(REPO, "launch/cluster/mpirun.sh"), "--oversubscribe",
                           "--host", spec, "-np", str(hosts), *command], check=True,
                          capture_output=True, text=True, env=env).stdout


def train(hosts, epochs):
    """Seconds of the last epoch and communication seconds per step."""
    with tempfile.TemporaryDirectory() as tmp:
        metrics, profile = os.path.join(tmp, "m.csv"), os.path.join(tmp, "p.json")
        on_hosts(hosts, [os.path.join(REPO, "build/mnist_dp"), "--config",
                         os.path.join(REPO, "configs/mlp512.yaml"), "--set",
                         f"training.epochs={epochs}", "--set", "output.checkpoint_dir=",
                         "--set", f"output.metrics={metrics}", "--profile-json", profile])
        epoch = float(list(csv.DictReader(open(metrics)))[-1]["train_seconds"])
        phases = json.load(open(profile))["phases"]
    steps = epochs * -(-TRAIN_IMAGES // 128)
    return epoch, (phases["allreduce"] + phases["fetch"]) / steps


def allreduce(hosts):
    out = on_hosts(hosts, [os.path.join(REPO, "build/allreduce_bench")])
    return [(int(r["ranks"]), int(r["bytes"]), float(r["seconds"]))
            for r in csv.DictReader(out.strip().splitlines())]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="1gbit,2gbit")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--out", default=os.path.join(REPO, "runs/scaling"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cores = os.cpu_count()
    rows, bench, fits = [], [], {}
    cluster("down.sh")  # a cluster left by an interrupted run
    rates = args.rates.split(",")
    progress = SweepProgress("hosts.py", len(rates) * (len(HOSTS) + 2),
                             f"runs: training {args.epochs} epochs on {HOSTS} hosts, then "
                             f"allreduce timings over 2 and 4 hosts, at {args.rates}")
    for rate in rates:
        cluster("up.sh", str(max(HOSTS)), "--rate", rate)
        try:
            for hosts in HOSTS:
                epoch, comm = train(hosts, args.epochs)
                rows.append({"rate": rate, "hosts": hosts, "seconds_per_epoch": epoch,
                             "comm_ms_per_step": 1e3 * comm,
                             "oversubscribed": hosts > cores})
                progress.done(f"{rate} {hosts} host(s): {epoch:.2f} s/epoch, "
                              f"{1e3 * comm:.2f} ms communication/step")
            timings = {}
            for p in (2, 4):
                timings[p] = allreduce(p)
                progress.done(f"{rate} allreduce timings over {p} hosts")
        finally:
            cluster("down.sh")
        # The gradient (2.68 MB) is in the bandwidth regime: fit where it is.
        fit = fit_ring([r for r in timings[2] if r[1] >= LARGE])
        fit["bench_error_at_4_hosts"] = {
            str(n): ring(p, n, fit["alpha_s"], fit["bandwidth_bytes_per_s"]) / s - 1
            for p, n, s in timings[4] if n >= LARGE}
        # The training model: the ring with the bench's alpha and the
        # bandwidth that reproduces the measured 2-host communication per
        # step (2(p-1)/p = 1 there), checked against the 4-host step.
        measured = {r["hosts"]: r["comm_ms_per_step"] / 1e3 for r in rows if r["rate"] == rate}
        fit["step_bandwidth_bytes_per_s"] = GRADIENT_BYTES / (measured[2] - 2 * fit["alpha_s"])
        predicted = ring(4, GRADIENT_BYTES, fit["alpha_s"], fit["step_bandwidth_bytes_per_s"])
        fit["step_ms_at_4_hosts"] = {"predicted": 1e3 * predicted, "measured": 1e3 * measured[4]}
        fit["step_error_at_4_hosts"] = predicted / measured[4] - 1
        fits[rate] = fit
        bench += [{"rate": rate, "ranks": p, "bytes": n, "seconds": s,
                   "model_seconds": ring(p, n, fit["alpha_s"], fit["bandwidth_bytes_per_s"])}
                  for hosts in (2, 4) for p, n, s in timings[hosts]]

    with open(os.path.join(args.out, "hosts.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(args.out, "hosts_allreduce.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(bench[0]))
        w.writeheader()
        w.writerows(bench)

    compute = next(r for r in rows if r["hosts"] == 1)["seconds_per_epoch"] / -(-TRAIN_IMAGES // 128)
    projection = []
    for rate, fit in fits.items():
        for nodes in (4, 16, 32, 64):
            t_comm = ring(nodes, GRADIENT_BYTES, fit["alpha_s"], fit["step_bandwidth_bytes_per_s"])
            projection.append({"rate": rate, "nodes": nodes, "allreduce_ms": 1e3 * t_comm,
                               "epoch_seconds": -(-TRAIN_IMAGES // (128 * nodes)) * (compute + t_comm),
                               "efficiency": compute / (compute + t_comm)})
    with open(os.path.join(args.out, "hosts_fit.json"), "w") as f:
        json.dump({"fits": fits, "compute_seconds_per_step": compute, "projection": projection},
                  f, indent=1)

    lines = ["# Scaling across hosts (measured on namespace hosts)\n",
             f"Produced by `bash launch/scaling/hosts.sh` on {cores} cores. Hosts are network "
             "namespaces on this one machine joined by a bridge, each link shaped with tc htb to "
             "the rate shown (no added delay: this kernel has no netem). One rank per host. "
             f"**All hosts share the {cores} cores, so 4 hosts are oversubscribed** and the "
             "kernel's TCP stack competes with the ranks for the same cores.\n",
             "## Measured training (strong scaling, global batch 128)\n",
             "| link | hosts | s/epoch | communication ms/step |", "|---|---|---|---|"]
    for r in rows:
        flag = " (oversubscribed)" if r["oversubscribed"] else ""
        lines.append(f"| {r['rate']} | {r['hosts']}{flag} | {r['seconds_per_epoch']:.2f} | "
                     f"{r['comm_ms_per_step']:.2f} |")
    lines += ["", "## Ring model fitted to 2 hosts, checked at 4\n",
              "T(p) = 2(p−1)·α + 2(p−1)/p · N/B. **Allreduce:** α and B fitted to MPI allreduce "
              "timings over 2 hosts from 256 KiB to 16 MiB (the 2.68 MB gradient's regime), "
              "then compared with the 4-host timings. **Training step:** α from that fit and "
              "the B that reproduces the measured 2-host communication per step, predicting "
              "the 4-host step.\n",
              "| link | α (µs) | allreduce B (MB/s) | fit error, 2 hosts (median) | allreduce "
              "prediction error, 4 hosts (1 / 4 / 16 MiB) | step B (MB/s) | step at 4 hosts: "
              "predicted / measured ms | error |", "|---|---|---|---|---|---|---|---|"]
    for rate, fit in fits.items():
        e = fit["bench_error_at_4_hosts"]
        sizes = " / ".join(f"{100 * e[str(n)]:+.0f}%" for n in (1 << 20, 4 << 20, 16 << 20))
        step = fit["step_ms_at_4_hosts"]
        lines.append(f"| {rate} | {1e6 * fit['alpha_s']:.1f} | "
                     f"{fit['bandwidth_bytes_per_s'] / 1e6:.0f} | "
                     f"{100 * fit['median_relative_error']:.0f}% | {sizes} | "
                     f"{fit['step_bandwidth_bytes_per_s'] / 1e6:.0f} | "
                     f"{step['predicted']:.1f} / {step['measured']:.1f} | "
                     f"{100 * fit['step_error_at_4_hosts']:+.0f}% |")
    lines += ["", "## Projection (model output, not measured)\n",
              f"Weak scaling, 128 images per node per step, no overlap; compute per step "
              f"{1e3 * compute:.2f} ms (1 host, measured above); communication from the "
              f"training-step model above (its error at 4 hosts is the measured check).\n",
              "| link | nodes | allreduce (ms) | epoch (s) | efficiency |", "|---|---|---|---|---|"]
    for p in projection:
        lines.append(f"| {p['rate']} | {p['nodes']} | {p['allreduce_ms']:.2f} | "
                     f"{p['epoch_seconds']:.3f} | {p['efficiency']:.2f} |")
    with open(os.path.join(args.out, "hosts_report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
