// Cross-key checks of a config read through the key table, and the dataset
// defaults that follow from a dataset's name.
#include "config_internal.hpp"
#include "mnist_dp/config/config_keys.hpp"
#include "mnist_dp/nn/bf16_products.hpp"
#include "mnist_dp/nn/dense_products.hpp"

namespace mnist_dp {
namespace {

void validate_model(const ModelSpec& model, const std::string& source) {
  const auto& layers = model.layers;
  if (layers.empty()) throw ConfigError(source + ": model.layers: must list at least one layer");
  std::size_t output = layers.size() - 1;
  if (layers.back().kind == LayerKind::kActivation && output > 0) --output;  // Dense + Activation
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const bool softmax =
        layers[i].kind != LayerKind::kDropout && layers[i].activation == Activation::kSoftmax;
    if (softmax && i < output) {
      throw ConfigError(source + ": model.layers." + std::to_string(i) +
                        ".activation: softmax is only allowed on the output layer");
    }
  }
  const LayerSpec& last = layers[output];
  const bool ends_in_softmax =
      last.kind == LayerKind::kDense && (last.activation == Activation::kSoftmax ||
                                         (layers.back().kind == LayerKind::kActivation &&
                                          layers.back().activation == Activation::kSoftmax));
  if (!ends_in_softmax) {
    throw ConfigError(source +
                      ": model.layers: the last layer must be a dense layer with softmax "
                      "activation (the loss is categorical cross-entropy)");
  }
}

}  // namespace

void validate_config(const Config& config, const std::string& source) {
  validate_model(config.model, source);
  if (config.training.precision == Precision::kBf16 && !bf16_products_available()) {
    throw ConfigError(source +
                      ": training.precision: bf16 needs a build for a CPU with AVX512-BF16 "
                      "instructions (this build's products: " +
                      dense_products_isa() + ")");
  }
  if (config.optimizer.schedule.warmup_epochs >= static_cast<double>(config.training.epochs)) {
    throw ConfigError(source +
                      ": optimizer.schedule.warmup_epochs: must be less than training.epochs (" +
                      std::to_string(config.training.epochs) + ")");
  }
}

std::string dataset_name(DatasetKind kind) { return std::string(enum_name(kind)); }

DataSettings dataset_defaults(const std::string& dataset) {
  const std::optional<DatasetKind> kind = enum_from_name<DatasetKind>(dataset);
  if (!kind) throw ConfigError(unknown_name_message<DatasetKind>(dataset));
  DataSettings d;
  d.kind = *kind;
  d.dir = "data/" + dataset;
  if (d.kind == DatasetKind::kDigits8x8) d.train_split = 1000;
  return d;
}

}  // namespace mnist_dp
