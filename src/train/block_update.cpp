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
                      const GradientSource& gradient) {
  optimizer.start_step(learning_rate);
  const std::span<float> values = params.values();
  bool finite = true;
  for (std::size_t first = 0; first < block_.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, block_.size() - first);
    const std::span<float> grads = gradient(first, std::span<float>(scratch_).first(n));
    finite = all_finite(grads) && finite;
    if (l2) add_l2_gradient(params, grads, block_.begin + first);
    const std::size_t at = block_.begin + first;
    optimizer.update(values.subspan(at, n), grads, first);
    if (shared_values_.empty()) continue;
    if (streaming_) {
      stream_floats(values.data() + at, n, shared_values_.data() + at);
    } else {
      std::copy_n(values.data() + at, n, shared_values_.data() + at);
    }
  }
  if (streaming_) streaming_stores_done();
  return finite;
}

}  // namespace mnist_dp
