// The TensorFlow.js layers-model export (keras_model.hpp): TensorFlow.js's
// Keras deserialiser reads the same model_config the .h5 export holds.
#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/keras_model.hpp"

namespace mnist_dp {
namespace {

using json = nlohmann::json;
constexpr const char* kShard = "group1-shard1of1.bin";
static_assert(std::endian::native == std::endian::little, "shards are little-endian float32");

}  // namespace

std::vector<std::string> tfjs_model_files(const std::string& dir) {
  return {dir + "/model.json", dir + "/" + kShard};
}

void write_tfjs_model(const std::string& dir, const ModelFile& model,
                      const std::vector<ParamTensor>& tensors) {
  json topology = json::parse(keras_model_config(model.config, model.input_size));
  topology["keras_version"] = kKerasVersion;
  topology["backend"] = kKerasBackend;
  json weights = json::array();
  for (const ParamTensor& t : tensors) {  // in parameter order, as the shard holds them
    const json shape = t.rows == 1 ? json::array({t.cols}) : json::array({t.rows, t.cols});
    weights.push_back({{"name", t.name}, {"shape", shape}, {"dtype", "float32"}});
  }
  const json document = {
      {"format", "layers-model"},
      {"generatedBy", "mnist_dp"},
      {"convertedBy", nullptr},
      {"modelTopology", topology},
      {"weightsManifest", json::array({{{"paths", {kShard}}, {"weights", weights}}})}};
  const std::vector<std::string> files = tfjs_model_files(dir);
  write_file_atomically(files[1], std::as_bytes(std::span<const float>(model.params)),
                        "TensorFlow.js weights");
  write_file_atomically(files[0], document.dump(), "TensorFlow.js model");
}

}  // namespace mnist_dp
