#!/usr/bin/python3
"""The trained weights of mnist_dp checkpoints, compared.

Usage: weights.py CHECKPOINT.h5              prints the sha256 of its weights
       weights.py A.h5 B.h5 [--tolerance T]  exits 1 unless they match
The sha256 covers the bytes of every dataset under model_weights, in sorted
path order (the figure docs/reproduction.md quotes). Without --tolerance two
checkpoints match when those bytes are identical; with it, when no weight
differs by more than T.
"""
import hashlib
import sys

import h5py
import numpy as np


def weights(path):
    found = {}
    with h5py.File(path, "r") as f:
        f["model_weights"].visititems(
            lambda name, item: found.__setitem__(name, np.array(item))
            if isinstance(item, h5py.Dataset) else None)
    return dict(sorted(found.items()))


def sha256(tensors):
    digest = hashlib.sha256()
    for array in tensors.values():
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def main(args):
    tolerance = None
    if "--tolerance" in args:
        at = args.index("--tolerance")
        tolerance = float(args[at + 1])
        del args[at:at + 2]
    if len(args) == 1:
        print(sha256(weights(args[0])))
        return 0
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = weights(args[0]), weights(args[1])
    if a.keys() != b.keys():
        print(f"weights.py: {args[0]} and {args[1]} hold different tensors")
        return 1
    if tolerance is None:
        sha_a, sha_b = sha256(a), sha256(b)
        print(f"weights.py: sha256 {sha_a} vs {sha_b}: "
              f"{'identical' if sha_a == sha_b else 'DIFFERENT'}")
        return 0 if sha_a == sha_b else 1
    worst = max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
    print(f"weights.py: largest difference {worst:.3g} (tolerance {tolerance:g})")
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, KeyError) as e:
        print(f"weights.py: {e}", file=sys.stderr)
        sys.exit(2)
