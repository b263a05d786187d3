// The fused gradient-and-optimizer pass over a rank's block.
#include "mnist_dp/train/block_update.hpp"

#include <algorithm>

#include "mnist_dp/core/finite.hpp"
#include "mnist_dp/core/streaming_stores.hpp"
#include "mnist_dp/optim/regularization.hpp"

namespace mnist_dp {
namespace {

// 8 KB: the chunk's gradient stays in the L1 cache between being formed and
// being applied, beside the parameters and optimizer state streaming through.
constexpr std::size_t kChunk = 2048;

}  // namespace

BlockUpdate::BlockUpdate(Block block) : block_(block), scratch_(kChunk) {}

void BlockUpdate::copy_to(std::span<float> shared_values, bool streaming) {
  shared_values_ = shared_values;
  streaming_ = streaming;
}

bool BlockUpdate::run(Optimizer& optimizer, ParameterBuffer& params, bool l2, double learning_rate,
                      GradientSource gradient) {
  optimizer.start_step(learning_rate);
  const bool finite = update_range(optimizer, params, l2, block_, gradient);
  finish();
  return finite;
}

bool BlockUpdate::update_range(Optimizer& optimizer, ParameterBuffer& params, bool l2,
                               IndexRange range, GradientSource gradient) {
  const std::span<float> values = params.values();
  bool finite = true;
  for (std::size_t at = range.begin; at < range.end; at += kChunk) {
    const std::size_t n = std::min(kChunk, range.end - at);
    const std::span<float> grads = gradient(at, std::span<float>(scratch_).first(n));
    finite = all_finite(grads) && finite;
    if (l2) add_l2_gradient(params, grads, at);
    optimizer.update(values.subspan(at, n), grads, at - block_.begin);
    if (shared_values_.empty()) continue;
    if (streaming_) {
      stream_floats(values.data() + at, n, shared_values_.data() + at);
    } else {
      std::copy_n(values.data() + at, n, shared_values_.data() + at);
    }
  }
  return finite;
}

void BlockUpdate::finish() const {
  if (streaming_) streaming_stores_done();
}

}  // namespace mnist_dp
