// Keras' l2 weight regularization over the flat buffers: each tensor with a
// coefficient c adds c * sum(w^2) to the loss and 2 c w to its gradient.
#pragma once

#include "mnist_dp/nn/params.hpp"

namespace mnist_dp {

// True when any tensor has a non-zero L2 coefficient.
bool has_l2(const ParameterBuffer& params);
// The summed L2 penalty of the current values.
double l2_penalty(const ParameterBuffer& params);
// Adds the penalty's gradient to the gradient buffer.
void add_l2_gradient(ParameterBuffer& params);
// The same for the flat elements [first, first + grads.size()), whose
// gradient is held in `grads`.
void add_l2_gradient(const ParameterBuffer& params, std::span<float> grads, std::size_t first);

}  // namespace mnist_dp
