// L2 penalty and its gradient, tensor by tensor.
#include "mnist_dp/optim/regularization.hpp"

#include <algorithm>

namespace mnist_dp {

bool has_l2(const ParameterBuffer& params) {
  for (const ParamTensor& t : params.tensors()) {
    if (t.l2 != 0.0f) return true;
  }
  return false;
}

double l2_penalty(const ParameterBuffer& params) {
  double total = 0;
  for (const ParamTensor& t : params.tensors()) {
    if (t.l2 == 0.0f) continue;
    const float* w = params.values().data() + t.offset;
    double squares = 0;
    for (std::size_t i = 0; i < t.size(); ++i) squares += static_cast<double>(w[i]) * w[i];
    total += static_cast<double>(t.l2) * squares;
  }
  return total;
}

void add_l2_gradient(ParameterBuffer& params) { add_l2_gradient(params, params.grads(), 0); }

void add_l2_gradient(const ParameterBuffer& params, std::span<float> grads, std::size_t first) {
  const std::size_t last = first + grads.size();
  for (const ParamTensor& t : params.tensors()) {
    const std::size_t begin = std::max(first, t.offset);
    const std::size_t end = std::min(last, t.offset + t.size());
    if (t.l2 == 0.0f || begin >= end) continue;
    const float twice = 2.0f * t.l2;
    const float* w = params.values().data();
    for (std::size_t i = begin; i < end; ++i) grads[i - first] += twice * w[i];
  }
}

}  // namespace mnist_dp
