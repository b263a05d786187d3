// The optimizer's pass over this rank's block of the parameters, fused with
// forming the block's summed gradient. Chunk by chunk, the gradient is
// formed (summed from the node's slots, or read where a reduction left it),
// checked for non-finite values, given its L2 term and applied while it is
// in the L1 cache: with shared memory one pass over the slots, parameters
// and optimizer state instead of a sum, a check and an update, each over
// the whole block. Every element sees the same operations in the same order
// as in separate passes, so the bits do not depend on the chunking.
//
// The same pass serves the node's shared update (train/shared_update.hpp),
// where the ranks claim chunks of the whole model instead of fixed blocks:
// update_range over each claimed chunk.
//
// With shared memory the block is updated in the rank's own copy of the
// parameters, and each chunk is then copied to the node's common area,
// from which the other ranks fetch it after the step's fence
// (NodeReduction::fetch_others). No rank reads another's writes in place
// while computing: measured on this 2-core machine, the forward pass reading
// the other rank's fresh block in place lost ~0.05 s per epoch at -np 2,
// and storing into lines other cores had read made Adam ~3x slower.
#pragma once

#include <cstddef>
#include <span>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/function_ref.hpp"
#include "mnist_dp/nn/params.hpp"
#include "mnist_dp/optim/optimizer.hpp"

namespace mnist_dp {

class BlockUpdate {
 public:
  // The summed gradient of the parameters [first, first +
  // scratch.size()): written into `scratch` and returned, or returned from
  // where it already is. The caller may change the returned values.
  using GradientSource = FunctionRef<std::span<float>(std::size_t first, std::span<float> scratch)>;

  // The optimizer's state covers the parameters `block`: its element i is
  // parameter block.begin + i.
  explicit BlockUpdate(Block block);

  // From now on each step also copies the block to `shared_values` (all
  // the parameters, shared with other ranks), at the block's offsets; with
  // `streaming`, by streaming stores (core/streaming_stores.hpp: the other
  // ranks read it next).
  void copy_to(std::span<float> shared_values, bool streaming);

  // One optimizer step over the block of `params` from `gradient`, with
  // the L2 term when `l2`; with copy_to, the caller fences before other
  // ranks read the shared copy. Returns whether every gradient value (before the
  // L2 term) was finite; the parameters are updated either way.
  bool run(Optimizer& optimizer, ParameterBuffer& params, bool l2, double learning_rate,
           GradientSource gradient);

  // The same step in parts: the caller starts it (Optimizer::start_step),
  // calls update_range over ranges inside the block that together cover
  // the parameters to update once, then finish before fencing.
  bool update_range(Optimizer& optimizer, ParameterBuffer& params, bool l2, IndexRange range,
                    GradientSource gradient);
  void finish() const;

 private:
  Block block_;
  std::span<float> shared_values_;  // empty unless copy_to
  bool streaming_ = false;
  AlignedFloats scratch_;  // the chunk's gradient, when the source writes it
};

}  // namespace mnist_dp
