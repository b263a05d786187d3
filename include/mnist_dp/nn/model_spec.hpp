// The network as plain data: the list of layers Model builds. The config
// reader fills it from YAML, the Keras reader from a model file.
#pragma once

#include <cstddef>
#include <vector>

#include "mnist_dp/nn/activation.hpp"

namespace mnist_dp {

enum class LayerKind { kDense, kActivation, kDropout };

struct LayerSpec {
  LayerKind kind = LayerKind::kDense;
  std::size_t units = 0;                        // dense
  Activation activation = Activation::kLinear;  // dense, activation
  float rate = 0.0f;                            // dropout
  float kernel_l2 = 0.0f;  // dense: adds kernel_l2 * sum(kernel^2) to the loss (Keras l2)
  float bias_l2 = 0.0f;    // dense: adds bias_l2 * sum(bias^2) to the loss
};

struct ModelSpec {
  std::vector<LayerSpec> layers;
};

}  // namespace mnist_dp
