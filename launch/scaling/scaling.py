#!/usr/bin/python3
"""Scaling benchmark of mnist_dp on this machine, and a fitted projection.

Strong scaling (global batch 128) and weak scaling (128 per rank) of
configs/mlp512.yaml over -np 1, 2, 4, 8, over shared memory and over TCP only;
allreduce time against message size (build/allreduce_bench); a least-squares
fit of the ring model T = 2(p-1)*alpha + 2(p-1)/p * N/B per transport; and a
projection of epoch time and efficiency to 16-64 nodes for given link
bandwidths. Writes CSV, gnuplot PNGs and a markdown report into --out.
Invoked by launch/scaling/run.sh.
"""
import argparse
import csv
import json
import os
import subprocess
import tempfile

import numpy as np

from sweep_progress import SweepProgress

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN_IMAGES = 60000
GRADIENT_BYTES = 669706 * 4


def launcher(ranks, transport):
    cmd = ["bash", os.path.join(REPO, "launch/run_local.sh"), "-n", str(ranks)]
    if ranks > os.cpu_count():
        cmd.append("--oversubscribe")
    if transport == "tcp":
        cmd.append("--tcp")
    return cmd + ["--"]


def epoch_seconds(ranks, transport, batch, epochs):
    """Median training seconds per epoch after the first (warm-up) epoch."""
    with tempfile.TemporaryDirectory() as tmp:
        metrics = os.path.join(tmp, "m.csv")
        cmd = launcher(ranks, transport) + [
            "--config", os.path.join(REPO, "configs/mlp512.yaml"), "--set",
            f"training.batch_size={batch}", "--set", f"training.epochs={epochs}", "--set",
            f"data.dir={os.path.join(REPO, 'data/mnist')}", "--set", "output.checkpoint_dir=",
            "--set", f"output.metrics={metrics}"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = [float(r["train_seconds"]) for r in csv.DictReader(open(metrics))]
    return float(np.median(seconds[1:] if len(seconds) > 1 else seconds))


def allreduce_times(ranks, transport):
    cmd = launcher(ranks, transport)[:-1]
    cmd[1] = os.path.join(REPO, "launch/run_local.sh")
    env = dict(os.environ, MNIST_DP_BINARY=os.path.join(REPO, "build/allreduce_bench"))
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return [(int(r["ranks"]), int(r["bytes"]), float(r["seconds"]))
            for r in csv.DictReader(out.strip().splitlines())]


def fit_ring(rows):
    """alpha (s) and B (bytes/s) minimising the squared relative error of the
    ring model (so small and large messages count alike), with alpha >= 0."""
    x = np.array([[2 * (p - 1), 2 * (p - 1) / p * n] for p, n, _ in rows])
    t = np.array([s for _, _, s in rows])
    (alpha, inv_b), *_ = np.linalg.lstsq(x / t[:, None], np.ones_like(t), rcond=None)
    if alpha < 0:  # latency not resolvable: bandwidth term alone
        alpha = 0.0
        (inv_b,), *_ = np.linalg.lstsq(x[:, 1:] / t[:, None], np.ones_like(t), rcond=None)
    pred = x @ np.array([alpha, inv_b])
    return {"alpha_s": float(alpha), "bandwidth_bytes_per_s": float(1 / inv_b),
            "median_relative_error": float(np.median(np.abs(pred - t) / t)),
            "max_relative_error": float(np.max(np.abs(pred - t) / t))}


def ring(p, n, alpha, bandwidth):
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * n / bandwidth


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ranks", default="1,2,4,8")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(REPO, "runs/scaling"))
    args = parser.parse_args()
    ranks = [int(r) for r in args.ranks.split(",")]
    os.makedirs(args.out, exist_ok=True)
    cores = os.cpu_count()

    rows = []
    progress = SweepProgress("scaling.py", 4 * len(ranks) + 2,
                             f"runs: training {args.epochs} epochs at -np {args.ranks}, strong and weak, "
                             "over shm and tcp; then allreduce timings over shm and tcp")
    for transport in ("shm", "tcp"):
        for mode in ("strong", "weak"):
            for p in ranks:
                batch = 128 if mode == "strong" else 128 * p
                s = epoch_seconds(p, transport, batch, args.epochs)
                rows.append({"transport": transport, "mode": mode, "ranks": p,
                             "global_batch": batch, "seconds_per_epoch": s,
                             "images_per_second": TRAIN_IMAGES / s,
                             "oversubscribed": p > cores})
                progress.done(f"{transport} {mode} -np {p}: {s:.3f} s/epoch")
    for r in rows:
        base = next(b for b in rows if b["transport"] == r["transport"] and
                    b["mode"] == r["mode"] and b["ranks"] == ranks[0])
        r["efficiency"] = r["images_per_second"] / (base["images_per_second"] * r["ranks"] / ranks[0])
    with open(os.path.join(args.out, "scaling.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    allreduce, fits = {}, {}
    for transport in ("shm", "tcp"):
        allreduce[transport] = [row for p in ranks if p > 1 for row in allreduce_times(p, transport)]
        # Fit on the rank counts that fit the cores: oversubscribed ranks wait
        # for a time slice, which the model does not describe.
        fitted = [r for r in allreduce[transport] if r[0] <= cores] or allreduce[transport]
        fits[transport] = fit_ring(fitted)
        progress.done(f"allreduce timings over {transport}")
    with open(os.path.join(args.out, "allreduce.csv"), "w") as f:
        f.write("transport,ranks,bytes,seconds,model_seconds\n")
        for transport, data in allreduce.items():
            fit = fits[transport]
            for p, n, s in data:
                f.write(f"{transport},{p},{n},{s:.9f},"
                        f"{ring(p, n, fit['alpha_s'], fit['bandwidth_bytes_per_s']):.9f}\n")

    # Projection (weak scaling, 128 images per node per step, no overlap): the
    # compute per step is the measured single-process step time at batch 128.
    single = next(r for r in rows if r["transport"] == "shm" and r["mode"] == "strong" and r["ranks"] == 1)
    steps_one = -(-TRAIN_IMAGES // 128)
    t_compute = single["seconds_per_epoch"] / steps_one
    alpha = fits["tcp"]["alpha_s"]
    projection = []
    for gbit in (10, 25, 100):
        for nodes in (16, 32, 64):
            t_comm = ring(nodes, GRADIENT_BYTES, alpha, gbit * 1e9 / 8)
            steps = -(-TRAIN_IMAGES // (128 * nodes))
            projection.append({"link_gbit_s": gbit, "nodes": nodes, "global_batch": 128 * nodes,
                               "allreduce_ms": 1e3 * t_comm,
                               "epoch_seconds": steps * (t_compute + t_comm),
                               "efficiency": t_compute / (t_compute + t_comm)})
    with open(os.path.join(args.out, "fit.json"), "w") as f:
        json.dump({"fits": fits, "compute_seconds_per_step": t_compute, "projection": projection}, f, indent=1)

    for mode in ("strong", "weak"):
        with open(os.path.join(args.out, f"{mode}.dat"), "w") as f:
            for transport in ("shm", "tcp"):
                f.write(f'"{transport}"\n')
                for r in rows:
                    if r["mode"] == mode and r["transport"] == transport:
                        f.write(f"{r['ranks']} {r['images_per_second']:.1f} {r['efficiency']:.4f}\n")
                f.write("\n\n")
    out = args.out
    gnuplot(f"""
set terminal pngcairo size 1100,420 font "sans,10" noenhanced
set output "{out}/scaling.png"
set multiplot layout 1,2 title "mnist_dp scaling on {cores} cores (ranks beyond {cores} are oversubscribed)"
set logscale x 2; set xtics (1,2,4,8); set xlabel "MPI ranks (-np)"; set grid; set key top right
set arrow from {cores},graph 0 to {cores},graph 1 nohead dt 2
set title "images/s"
plot for [i=0:1] "{out}/strong.dat" index i using 1:2 with linespoints title "strong, ".columnheader(1), \\
     for [i=0:1] "{out}/weak.dat" index i using 1:2 with linespoints dt 2 title "weak, ".columnheader(1)
set title "parallel efficiency"; set yrange [0:1.2]
plot for [i=0:1] "{out}/strong.dat" index i using 1:3 with linespoints title "strong, ".columnheader(1), \\
     for [i=0:1] "{out}/weak.dat" index i using 1:3 with linespoints dt 2 title "weak, ".columnheader(1)
unset multiplot
""")
    gnuplot(f"""
set terminal pngcairo size 700,480 font "sans,10"
set output "{out}/allreduce.png"
set datafile separator ","
set logscale xy; set grid; set key top left
set xlabel "message size (bytes)"; set ylabel "seconds"
set title "MPI_Allreduce: measured (points) and fitted ring model (lines)"
plot for [p in "2 4 8"] for [t in "shm tcp"] "{out}/allreduce.csv" \\
       using (stringcolumn(1) eq t && $2 == p+0 ? $3 : 1/0):4 with points title t." -np ".p, \\
     for [p in "2 4 8"] for [t in "shm tcp"] "{out}/allreduce.csv" \\
       using (stringcolumn(1) eq t && $2 == p+0 ? $3 : 1/0):5 with lines notitle
""")

    lines = ["# Scaling report\n",
             f"Machine: {cores} cores. **Every run with more than {cores} ranks is oversubscribed**: "
             f"ranks share cores, so those points measure time-slicing, not parallel speed-up.\n",
             f"Produced by `bash launch/scaling/run.sh` ({args.epochs} epochs per run, the median "
             "epoch after the first). Each rank computes on one core.\n",
             "## Measured\n",
             "| transport | mode | -np | global batch | s/epoch | images/s | efficiency |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        flag = " (oversubscribed)" if r["oversubscribed"] else ""
        lines.append(f"| {r['transport']} | {r['mode']} | {r['ranks']}{flag} | {r['global_batch']} | "
                     f"{r['seconds_per_epoch']:.3f} | {r['images_per_second']:,.0f} | {r['efficiency']:.2f} |")
    lines += ["", "![scaling](scaling.png)", "", "## Allreduce model\n",
              "T = 2(p−1)·α + 2(p−1)/p · N/B, fitted by least squares on the relative error "
              "over all measured sizes (1 KiB–16 MiB) at the rank counts that fit the cores "
              "(oversubscribed ranks wait for time slices, which the model does not describe; "
              "their points are plotted but not fitted):\n",
              "| transport | α (µs) | B (GB/s) | median relative error | largest |",
              "|---|---|---|---|---|"]
    for t, fit in fits.items():
        lines.append(f"| {t} | {1e6 * fit['alpha_s']:.1f} | {fit['bandwidth_bytes_per_s'] / 1e9:.2f} | "
                     f"{100 * fit['median_relative_error']:.0f}% | {100 * fit['max_relative_error']:.0f}% |")
    lines += ["", "![allreduce](allreduce.png)", "",
              "## Projection to many nodes\n",
              f"Weak scaling with 128 images per node per step, no overlap of communication and "
              f"computation. The compute per step ({1e3 * t_compute:.2f} ms) is this machine's "
              f"single-process step at batch 128. The allreduce of the 2.68 MB gradient follows the "
              f"ring model with α = {1e6 * alpha:.1f} µs (the TCP fit here) and B = the link "
              "bandwidth. These are model outputs, not measurements.\n",
              "| link | nodes | global batch | allreduce (ms) | epoch (s) | efficiency |",
              "|---|---|---|---|---|---|"]
    for pr in projection:
        lines.append(f"| {pr['link_gbit_s']} Gb/s | {pr['nodes']} | {pr['global_batch']} | "
                     f"{pr['allreduce_ms']:.2f} | {pr['epoch_seconds']:.3f} | {pr['efficiency']:.2f} |")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
