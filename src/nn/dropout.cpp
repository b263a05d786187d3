// Inverted dropout with rank-invariant, counter-based masks.
#include "mnist_dp/nn/dropout.hpp"

#include <cstring>

#include "mnist_dp/core/rng.hpp"

namespace mnist_dp {

DropoutLayer::DropoutLayer(std::string name, float rate, std::size_t width,
                           std::uint64_t layer_index, std::size_t max_batch)
    : name_(std::move(name)),
      rate_(rate),
      width_(width),
      layer_index_(layer_index),
      mask_(max_batch * width) {}

void DropoutLayer::forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) {
  mask_active_ = ctx.training && rate_ > 0.0f;
  if (!mask_active_) {
    std::memcpy(out.data, in.data, in.size() * sizeof(float));
    return;
  }
  const float keep_scale = 1.0f / (1.0f - rate_);
  for (std::size_t r = 0; r < in.rows; ++r) {
    const std::uint64_t row_key =
        hash_key(ctx.seed, ctx.step, ctx.first_position + r, layer_index_);
    float* mask = mask_.data() + r * width_;
    const float* x = in.row(r);
    float* y = out.row(r);
    for (std::size_t c = 0; c < width_; ++c) {
      mask[c] = uniform01(mix64(row_key ^ c)) < rate_ ? 0.0f : keep_scale;
      y[c] = x[c] * mask[c];
    }
  }
}

void DropoutLayer::backward(ConstMatrixView, ConstMatrixView, MatrixView grad_out,
                            MatrixView grad_in) {
  if (!grad_in.data) return;
  const std::size_t n = grad_out.size();
  if (!mask_active_) {
    std::memcpy(grad_in.data, grad_out.data, n * sizeof(float));
    return;
  }
  for (std::size_t i = 0; i < n; ++i) grad_in.data[i] = grad_out.data[i] * mask_[i];
}

}  // namespace mnist_dp
