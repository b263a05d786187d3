#!/usr/bin/python3
"""An independent check of the two recipes mnist_dp misses by a hair: the same
networks trained in PyTorch with Keras' semantics (Glorot-uniform kernels and
zero biases, Keras' optimizer defaults, a fresh shuffle every epoch, the last
partial batch kept, inputs scaled to 0-1), over several seeds. If PyTorch's
mean also falls short of a recipe's single published run, the shortfall is the
recipe's luck, not a difference in mnist_dp.

Usage: torch_recipes.py --data DIR [--recipe mlp256_128|mlp512_single]
                        [--seeds 0 1 2 ...]
Prints one line per run and a summary (mean, min, max) per recipe.
"""
import argparse
import os
import statistics

import numpy as np
import torch
import torch.nn as nn

# name: (hidden layer widths, dropout rate, optimizer, epochs, recipe's result %)
RECIPES = {
    "mlp256_128": ((256, 128), 0.2, "adam", 20, 98.33),
    "mlp512_single": ((512,), 0.0, "rmsprop", 5, 97.99),
}


def read_idx(path, header, shape):
    with open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=header).reshape(shape)


def load(data_dir):
    def images(name):
        raw = read_idx(os.path.join(data_dir, name), 16, (-1, 784))
        return torch.from_numpy(raw.astype(np.float32) / 255.0)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(data_dir, name), 8, (-1,)).astype(np.int64))

    return (images("train-images-idx3-ubyte"), labels("train-labels-idx1-ubyte"),
            images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte"))


def keras_dense(fan_in, units):
    layer = nn.Linear(fan_in, units)
    nn.init.xavier_uniform_(layer.weight)  # Keras' glorot_uniform
    nn.init.zeros_(layer.bias)
    return layer


def network(widths, dropout):
    layers, fan_in = [], 784
    for units in widths:
        layers += [keras_dense(fan_in, units), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        fan_in = units
    layers.append(keras_dense(fan_in, 10))
    return nn.Sequential(*layers)


def run(recipe, seed, data):
    widths, dropout, optimizer_name, epochs, _ = RECIPES[recipe]
    torch.manual_seed(seed)
    x, y, tx, ty = data
    model = network(widths, dropout)
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    else:  # Keras RMSprop: rho 0.9, eps 1e-7 added to sqrt(v)
        optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(x.shape[0])
        for first in range(0, x.shape[0], 128):
            idx = perm[first:first + 128]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        return 100.0 * (model(tx).argmax(1) == ty).float().mean().item()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--recipe", choices=sorted(RECIPES), action="append")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)))
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load(args.data)
    for recipe in args.recipe or sorted(RECIPES):
        results = []
        for seed in args.seeds:
            results.append(run(recipe, seed, data))
            print(f"{recipe} seed {seed}: {results[-1]:.2f}%", flush=True)
        print(f"SUMMARY {recipe}: recipe {RECIPES[recipe][4]:.2f}%, pytorch mean "
              f"{statistics.mean(results):.2f}% over {len(results)} seeds "
              f"(min {min(results):.2f}, max {max(results):.2f})", flush=True)


if __name__ == "__main__":
    main()
