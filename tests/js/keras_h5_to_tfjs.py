#!/usr/bin/python3
"""Converts a Keras .h5 model (read with h5py) into a TensorFlow.js layers model.

Usage: keras_h5_to_tfjs.py MODEL.h5 OUT_DIR
Writes OUT_DIR/model.json (modelTopology: the file's model_config, as the
TensorFlow.js converter writes it; weightsManifest: one float32 shard) and
OUT_DIR/weights.bin. Independent of mnist_dp: it reads only the HDF5 layout
Keras defines, so TensorFlow.js then checks mnist_dp's Keras files.
"""
import json
import os
import sys

import h5py
import numpy as np


def main(model_path, out_dir):
    with h5py.File(model_path, "r") as f:
        topology = json.loads(f.attrs["model_config"])
        topology["keras_version"] = str(f.attrs["keras_version"])
        topology["backend"] = str(f.attrs["backend"])
        group = f["model_weights"]
        specs, blobs = [], []
        for layer in [n.decode() for n in group.attrs["layer_names"]]:
            for name in [n.decode() for n in group[layer].attrs["weight_names"]]:
                value = np.asarray(group[layer][name], dtype="<f4")
                specs.append({"name": name.removesuffix(":0"), "shape": list(value.shape),
                              "dtype": "float32"})
                blobs.append(value.tobytes())
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "weights.bin"), "wb") as out:
        out.write(b"".join(blobs))
    model = {"format": "layers-model", "generatedBy": "keras_h5_to_tfjs.py",
             "convertedBy": None, "modelTopology": topology,
             "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}]}
    with open(os.path.join(out_dir, "model.json"), "w") as out:
        json.dump(model, out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
