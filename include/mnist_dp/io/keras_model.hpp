// Trained networks on disk for the export, evaluate and predict commands: the
// Keras legacy HDF5 model format (what Keras' model.save('x.h5') writes) and
// mnist_dp checkpoints, both read into the same form.
#pragma once

#include <string>
#include <vector>

#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/nn/model_spec.hpp"
#include "mnist_dp/nn/params.hpp"

namespace mnist_dp {

// The Keras release and backend our Keras files say they come from.
inline constexpr const char* kKerasVersion = "2.11.0";
inline constexpr const char* kKerasBackend = "tensorflow";

// A network and its weights, flat in mnist_dp's parameter order (each Dense
// layer's kernel (in, units) then bias).
struct ModelFile {
  ModelSpec config;
  std::size_t input_size = 0;
  std::vector<float> params;
};

// Writes a Keras .h5 that keras.models.load_model(path, compile=False) loads:
// root attributes keras_version, backend, model_config (Sequential JSON with an
// InputLayer); /model_weights with layer_names and per-layer weight_names.
// Written atomically. Throws std::runtime_error naming the file.
void write_keras_model(const std::string& path, const ModelFile& model,
                       const std::vector<ParamTensor>& tensors);
// Writes a TensorFlow.js layers model into `dir`: model.json (modelTopology:
// the same Keras model_config as the .h5, with keras_version and backend;
// a weightsManifest naming each weight "<layer>/kernel" or "<layer>/bias")
// and one little-endian float32 shard, group1-shard1of1.bin. Each file is
// written atomically; `dir` is created if missing.
void write_tfjs_model(const std::string& dir, const ModelFile& model,
                      const std::vector<ParamTensor>& tensors);
// The files write_tfjs_model writes into `dir`.
std::vector<std::string> tfjs_model_files(const std::string& dir);
// Reads a Keras .h5 Sequential of Dense, Dropout and Activation layers (written
// by mnist_dp or by Keras) ending in softmax. Throws DataError naming the file.
// A Keras file is foreign and unsealed, and HDF5 1.10 crashes on some corrupt
// files (fuzz/crashes/hdf5-keras-*.h5), so a forked child reads it first: a
// crash there becomes a DataError here.
ModelFile read_keras_model(const std::string& path);
// The same without the child process (what the fuzzer exercises).
ModelFile read_keras_model_in_process(const std::string& path);
// The network and weights held by a checkpoint read from `source`.
ModelFile model_file_from_checkpoint(const Checkpoint& checkpoint, const std::string& source);
// A mnist_dp checkpoint (file, or directory meaning its latest.h5) or a Keras
// .h5 model, told apart by their root attributes.
ModelFile load_model_file(const std::string& path);

// The names Keras gives the layers of a fresh Sequential, in order: dense,
// dropout, dense_1, dropout_1, ... (also mnist_dp's own layer names).
std::vector<std::string> keras_layer_names(const ModelSpec& config);
// The Keras model_config JSON of a network, and its inverse.
std::string keras_model_config(const ModelSpec& config, std::size_t input_size);
ModelSpec parse_keras_model_config(const std::string& json, const std::string& source,
                                   std::size_t& input_size);

}  // namespace mnist_dp
