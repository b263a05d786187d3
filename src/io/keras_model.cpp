// Keras legacy HDF5 model files: writing an exported network, reading one
// back (ours or Keras' own), and loading either a model or a checkpoint.
#include "mnist_dp/io/keras_model.hpp"

#include <string_view>

#include "crash_guard.hpp"
#include "hdf5_helpers.hpp"
#include "mnist_dp/config/config.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"

namespace mnist_dp {
namespace {

using namespace hdf5;

// The Keras release whose layout the export follows (Keras 2 / tf.keras).

Handle open_group(hid_t parent, const std::string& name) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0)
    throw Failure("missing group '" + name + "'");
  return Handle(must(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), name.c_str()), H5Gclose);
}

// Model output must be a softmax: the last Dense's activation, or an
// Activation layer right after it.
void require_softmax_output(const ModelSpec& config) {
  const auto& layers = config.layers;
  for (std::size_t i = layers.size(); i-- > 0;) {
    if (layers[i].kind == LayerKind::kDropout) continue;
    if (layers[i].activation == Activation::kSoftmax) return;
    break;
  }
  throw Failure("the model must end in a softmax (Dense or Activation)");
}

void write_contents(hid_t file, const ModelFile& model, const std::vector<ParamTensor>& tensors) {
  write_bytes_attr(file, "keras_version", kKerasVersion);
  write_bytes_attr(file, "backend", kKerasBackend);
  write_bytes_attr(file, "model_config", keras_model_config(model.config, model.input_size));
  Handle weights = make_group(file, "model_weights");
  write_bytes_attr(weights.get(), "keras_version", kKerasVersion);
  write_bytes_attr(weights.get(), "backend", kKerasBackend);
  const std::vector<std::string> names = keras_layer_names(model.config);
  std::size_t tensor = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    Handle layer = make_group(weights.get(), names[i]);
    std::vector<std::string> weight_names;
    if (model.config.layers[i].kind == LayerKind::kDense) {
      Handle inner = make_group(layer.get(), names[i]);
      for (const char* kind : {"kernel", "bias"}) {
        const ParamTensor& t = tensors.at(tensor++);
        const std::vector<hsize_t> dims =
            t.rows == 1 ? std::vector<hsize_t>{t.cols} : std::vector<hsize_t>{t.rows, t.cols};
        write_dataset(inner.get(), std::string(kind) + ":0", H5T_NATIVE_FLOAT,
                      model.params.data() + t.offset, dims);
        weight_names.push_back(names[i] + "/" + kind + ":0");
      }
    }
    write_bytes_list_attr(layer.get(), "weight_names", weight_names);
  }
  write_bytes_list_attr(weights.get(), "layer_names", names);
}

ModelFile read_contents(hid_t file, const std::string& path) {
  ModelFile m;
  m.config = parse_keras_model_config(read_string_attr(file, "model_config"), path, m.input_size);
  require_softmax_output(m.config);
  Handle weights = open_group(file, "model_weights");
  std::size_t in = m.input_size;
  std::vector<std::size_t> units;  // of each Dense, in order
  for (const LayerSpec& l : m.config.layers) {
    if (l.kind == LayerKind::kDense) units.push_back(l.units);
  }
  std::size_t dense = 0;
  for (const std::string& name : read_strings_attr(weights.get(), "layer_names")) {
    Handle layer = open_group(weights.get(), name);
    const std::vector<std::string> weight_names = read_strings_attr(layer.get(), "weight_names");
    if (weight_names.empty()) continue;
    if (weight_names.size() != 2 || dense >= units.size()) {
      throw Failure("layer '" + name + "' has weights that do not fit the model_config");
    }
    const std::size_t out = units[dense++];
    std::vector<hsize_t> dims;
    const std::vector<float> kernel =
        read_dataset<float>(layer.get(), weight_names[0], H5T_NATIVE_FLOAT, &dims);
    if (dims != std::vector<hsize_t>{in, out}) {
      throw Failure(name + "/" + weight_names[0] + " is not " + std::to_string(in) + "x" +
                    std::to_string(out));
    }
    const std::vector<float> bias =
        read_dataset<float>(layer.get(), weight_names[1], H5T_NATIVE_FLOAT, &dims);
    if (dims != std::vector<hsize_t>{out}) {
      throw Failure(name + "/" + weight_names[1] + " does not have " + std::to_string(out) +
                    " values");
    }
    m.params.insert(m.params.end(), kernel.begin(), kernel.end());
    m.params.insert(m.params.end(), bias.begin(), bias.end());
    in = out;
  }
  if (dense != units.size()) throw Failure("model_weights holds fewer Dense layers than the model");
  return m;
}

}  // namespace

void write_keras_model(const std::string& path, const ModelFile& model,
                       const std::vector<ParamTensor>& tensors) {
  write_hdf5_file(path, "Keras model", [&](hid_t file) { write_contents(file, model, tensors); });
}

ModelFile read_keras_model_in_process(const std::string& path) {
  try {
    const Handle file = open_for_reading(path);
    return read_contents(file.get(), path);
  } catch (const Failure& e) {
    throw DataError(path + ": " + e.what());
  }
}

ModelFile read_keras_model(const std::string& path) {
  try {
    check_parse_survives([&] { read_keras_model_in_process(path); },
                         "corrupt HDF5 file: the HDF5 library crashed reading it");
  } catch (const std::runtime_error& e) {
    throw DataError(path + ": " + e.what());
  }
  return read_keras_model_in_process(path);
}

ModelFile load_model_file(const std::string& path) {
  const std::string resolved = resolve_checkpoint_path(path);
  if (is_sealed_checkpoint(resolved)) {
    return model_file_from_checkpoint(read_checkpoint(resolved), resolved);
  }
  return read_keras_model(resolved);
}

ModelFile model_file_from_checkpoint(const Checkpoint& c, const std::string& source) {
  ModelFile m;
  try {
    m.config = parse_config(c.config_yaml, source + " (config)").model;
  } catch (const ConfigError& e) {
    throw DataError(e.what());
  }
  m.input_size = c.tensors.empty() ? 0 : c.tensors.front().rows;
  m.params = c.params;
  return m;
}

}  // namespace mnist_dp
