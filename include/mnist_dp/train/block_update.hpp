// The optimizer's pass over this rank's block of the parameters, fused with
// forming the block's summed gradient. Chunk by chunk, the gradient is
// formed (summed from the node's slots, or read where a reduction left it),
// checked for non-finite values, given its L2 term and applied while it is
// in the L1 cache: with shared memory one pass over the slots, parameters
// and optimizer state instead of a sum, a check and an update, each over
// the whole block. Every element sees the same operations in the same order
// as in separate passes, so the bits do not depend on the chunking.
//
// Where other ranks of the node read the parameters from shared memory,
// their caches hold copies of this block's lines from the forward pass, and
// each ordinary store must first invalidate them: measured on this 2-core
// machine, Adam over 335k parameters took ~330 us against ~115 us with
// streaming (non-temporal) stores, which invalidate without waiting. So a
// chunk's parameters are updated in a local copy and streamed back.
#pragma once

#include <cstddef>
#include <functional>
#include <span>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/nn/params.hpp"
#include "mnist_dp/optim/optimizer.hpp"

namespace mnist_dp {

class BlockUpdate {
 public:
  // The summed gradient of the block's elements [first, first +
  // scratch.size()): written into `scratch` and returned, or returned from
  // where it already is. The caller may change the returned values.
  using GradientSource =
      std::function<std::span<float>(std::size_t first, std::span<float> scratch)>;

  // `shared_parameters`: other ranks read the parameters in place.
  BlockUpdate(Block block, bool shared_parameters);

  // One optimizer step over the block of `params` from `gradient`, with
  // the L2 term when `l2`. Returns whether every gradient value (before the
  // L2 term) was finite; the parameters are updated either way.
  bool run(Optimizer& optimizer, ParameterBuffer& params, bool l2, double learning_rate,
           const GradientSource& gradient);

 private:
  Block block_;
  bool stream_;
  AlignedFloats scratch_;  // the chunk's gradient, when the source writes it
  AlignedFloats updated_;  // the chunk's parameters, when streamed back
};

}  // namespace mnist_dp
