// Fused softmax + categorical cross-entropy, numerically stable.
#include "mnist_dp/nn/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mnist_dp {
namespace {

// Writes exp(z - max) into out (may alias nothing) and returns (max, sum).
std::pair<float, double> shifted_exp(const float* z, std::size_t n, float* out) {
  const float m = *std::max_element(z, z + n);
  double sum = 0.0;
  for (std::size_t c = 0; c < n; ++c) {
    out[c] = std::exp(z[c] - m);
    sum += out[c];
  }
  return {m, sum};
}

}  // namespace

LossStats softmax_cross_entropy(ConstMatrixView logits, const std::uint8_t* labels,
                                float grad_scale, MatrixView grad) {
  LossStats stats;
  std::vector<float> scratch;
  const std::size_t classes = logits.cols;
  float local[64];
  float* e = local;
  if (classes > 64) {
    scratch.resize(classes);
    e = scratch.data();
  }
  for (std::size_t r = 0; r < logits.rows; ++r) {
    const float* z = logits.row(r);
    const auto [m, sum] = shifted_exp(z, classes, e);
    const std::size_t y = labels[r];
    stats.loss_sum += std::log(sum) - static_cast<double>(z[y] - m);
    if (static_cast<std::size_t>(std::max_element(z, z + classes) - z) == y) ++stats.correct;
    if (grad.data) {
      float* g = grad.row(r);
      const auto inv = static_cast<float>(1.0 / sum);
      for (std::size_t c = 0; c < classes; ++c) g[c] = e[c] * inv * grad_scale;
      g[y] -= grad_scale;
    }
  }
  return stats;
}

void softmax_rows(ConstMatrixView logits, MatrixView probs) {
  for (std::size_t r = 0; r < logits.rows; ++r) {
    float* p = probs.row(r);
    const auto [m, sum] = shifted_exp(logits.row(r), logits.cols, p);
    const auto inv = static_cast<float>(1.0 / sum);
    for (std::size_t c = 0; c < logits.cols; ++c) p[c] *= inv;
  }
}

}  // namespace mnist_dp
