// L2 penalty and its gradient, tensor by tensor.
#include "mnist_dp/optim/regularization.hpp"

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

void add_l2_gradient(ParameterBuffer& params) {
  for (const ParamTensor& t : params.tensors()) {
    if (t.l2 == 0.0f) continue;
    const float* w = params.values().data() + t.offset;
    float* g = params.grads().data() + t.offset;
    const float twice = 2.0f * t.l2;
    for (std::size_t i = 0; i < t.size(); ++i) g[i] += twice * w[i];
  }
}

}  // namespace mnist_dp
