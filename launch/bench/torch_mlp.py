#!/usr/bin/python3
"""The PyTorch peer of mnist_dp's benchmark: the same 784-512-512-10 network
(ReLU, dropout 0.2, softmax cross-entropy), Adam (lr 1e-3, eps 1e-7), global
batch 128 with the last partial batch kept, a fresh shuffle every epoch, and
under DDP each rank taking its contiguous part of every global batch, as
mnist_dp does. (The shuffle is PyTorch's own, not mnist_dp's hash-based one:
the order does not change the speed.)

Usage: torch_mlp.py --data DIR --epochs E [--threads T] [--ranks R]
Prints one JSON line: mode, seconds per training epoch (each epoch timed),
final test accuracy, peak resident memory (KiB) of rank 0.
"""
import argparse
import json
import os
import resource
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn as nn


def read_idx(path, header, dtype_shape):
    with open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dtype_shape)


def load(data_dir):
    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte"), 16, (-1, 784))
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte"), 8, (-1,))
    tx = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte"), 16, (-1, 784))
    ty = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte"), 8, (-1,))
    as_float = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0)
    as_long = lambda a: torch.from_numpy(a.astype(np.int64))
    return as_float(x), as_long(y), as_float(tx), as_long(ty)


def network():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(512, 10))


def train(rank, ranks, args, out_queue):
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if ranks > 1:
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29512")
        dist.init_process_group("gloo", rank=rank, world_size=ranks)
    x, y, tx, ty = load(args.data)
    model = network()
    if ranks > 1:
        model = nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    n, batch = x.shape[0], 128
    generator = torch.Generator().manual_seed(0)
    epoch_seconds = []
    for _ in range(args.epochs):
        model.train()
        perm = torch.randperm(n, generator=generator)  # same on every rank
        start = time.perf_counter()
        for first in range(0, n, batch):
            idx = perm[first:first + batch]
            part = idx[len(idx) * rank // ranks: len(idx) * (rank + 1) // ranks]
            optimizer.zero_grad(set_to_none=True)
            # DDP averages over ranks; scale so the update is the global-batch mean.
            loss = loss_fn(model(x[part]), y[part]) * (len(part) * ranks / len(idx))
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        accuracy = (model(tx).argmax(1) == ty).float().mean().item()
    if rank == 0:
        out_queue.put({"epoch_seconds": epoch_seconds, "test_accuracy": accuracy,
                       "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
    if ranks > 1:
        dist.destroy_process_group()


def loaded_blas():
    """The BLAS library this process has mapped (torch loads it through libblas.so.3)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.split()[-1]}
    return sorted(paths)[0] if paths else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--ranks", type=int, default=1)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    if args.ranks == 1:
        train(0, 1, args, queue)
    else:
        mp.spawn(train, args=(args.ranks, args, queue), nprocs=args.ranks)
    result = queue.get()
    mode = (f"pytorch DDP gloo {args.ranks}x{args.threads} thread" if args.ranks > 1
            else f"pytorch 1 process x {args.threads} thread(s)")
    result.update({"mode": mode, "torch": torch.__version__, "blas": loaded_blas()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
