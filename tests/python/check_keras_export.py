#!/usr/bin/python3
"""Checks an exported Keras .h5 with h5py and numpy, independently of mnist_dp.

Usage: check_keras_export.py MODEL.h5 PREDICTIONS.csv IDX_IMAGES COUNT
The layout must be Keras' legacy HDF5 model format, and a numpy forward pass
over the first COUNT images, using only the file's weights and model_config,
must give the probabilities mnist_dp predict wrote (atol 1e-5).
"""
import json
import sys

import h5py
import numpy as np


def fail(message):
    print("check_keras_export: FAIL:", message)
    sys.exit(1)


def read_idx_images(path, count):
    with open(path, "rb") as f:
        magic, n, rows, cols = np.frombuffer(f.read(16), dtype=">u4")
        if magic != 0x803:
            fail(f"{path}: not an IDX image file")
        data = np.frombuffer(f.read(int(count) * rows * cols), dtype=np.uint8)
    return data.reshape(int(count), rows * cols).astype(np.float32) / 255.0


def activate(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "linear":
        return z
    fail(f"unexpected activation {name}")


def main(model_path, csv_path, idx_path, count):
    f = h5py.File(model_path, "r")
    for key in ("keras_version", "backend", "model_config"):
        if key not in f.attrs:
            fail(f"root attribute {key} missing")
    config = json.loads(f.attrs["model_config"])
    if config["class_name"] != "Sequential":
        fail("model_config is not a Sequential")
    layers = config["config"]["layers"]
    if layers[0]["class_name"] != "InputLayer" or layers[0]["config"]["batch_input_shape"] != [None, 784]:
        fail("the first layer is not an InputLayer of batch_input_shape [null, 784]")
    layers = layers[1:]
    weights = f["model_weights"]
    layer_names = weights.attrs["layer_names"]
    if layer_names.dtype.kind != "S":
        fail("layer_names are not fixed-length byte strings")
    if [n.decode() for n in layer_names] != [l["config"]["name"] for l in layers]:
        fail(f"layer_names {layer_names} do not follow model_config")

    x = read_idx_images(idx_path, count)
    for layer in layers:
        name, kind = layer["config"]["name"], layer["class_name"]
        weight_names = [n.decode() for n in weights[name].attrs["weight_names"]]
        if kind == "Dense":
            if weight_names != [f"{name}/kernel:0", f"{name}/bias:0"]:
                fail(f"{name}: weight_names {weight_names}")
            kernel = weights[name][weight_names[0]][()]
            bias = weights[name][weight_names[1]][()]
            units = layer["config"]["units"]
            if kernel.dtype != np.float32 or kernel.shape != (x.shape[1], units):
                fail(f"{name}: kernel is {kernel.dtype} {kernel.shape}")
            if bias.dtype != np.float32 or bias.shape != (units,):
                fail(f"{name}: bias is {bias.dtype} {bias.shape}")
            x = activate(layer["config"]["activation"], x @ kernel + bias)
        elif kind in ("Dropout", "Activation"):
            if weight_names:
                fail(f"{name}: a {kind} layer lists weights {weight_names}")
            if kind == "Activation":
                x = activate(layer["config"]["activation"], x)
        else:
            fail(f"unexpected layer class {kind}")

    rows = np.genfromtxt(csv_path, delimiter=",", skip_header=1, usecols=range(2, 12))
    rows = rows.reshape(-1, 10)
    if rows.shape != x.shape:
        fail(f"{csv_path} has {rows.shape} probabilities, numpy computed {x.shape}")
    diff = np.abs(rows - x).max()
    print(f"check_keras_export: layout OK; {len(x)} images; max |numpy - mnist_dp| = {diff:.2e}")
    if diff > 1e-5:
        fail("predictions differ by more than 1e-5")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
