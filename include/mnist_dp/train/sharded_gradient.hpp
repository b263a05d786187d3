// The gradient of a global batch with the same bytes at any rank count
// (training.deterministic). This rank runs forward and backward shard by
// shard (shard_plan.hpp) into the pieces it owes, the pieces' blocks travel
// to their owners as bytes, and each owner evaluates the canonical sum of
// its block. Loss and accuracy are summed per shard and then in shard order.
// Buffers are sized once; a step allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/tensor.hpp"
#include "mnist_dp/data/sampler.hpp"
#include "mnist_dp/nn/model.hpp"
#include "mnist_dp/train/ordered_sums.hpp"
#include "mnist_dp/train/shard_plan.hpp"

namespace mnist_dp {

class ShardedGradient {
 public:
  // `batch_sizes`: every global batch size a step can have (the full batch
  // and the epoch's last one).
  ShardedGradient(Model& model, Communicator& comm, std::span<const std::size_t> batch_sizes);

  // x and labels hold this rank's rows of the batch (whole shards). Leaves
  // this rank's block (block_of(params, rank, ranks)) of the batch's summed
  // gradient in `block`, each sample's gradient scaled by 1 / batch size.
  // Returns the batch's loss and correct sums, added in shard order.
  EvalSums run(const LocalBatch& batch, ConstMatrixView x, const std::uint8_t* labels,
               std::uint64_t seed, std::uint64_t step, std::span<float> block);

  // Floats of this rank's piece buffers.
  std::size_t buffer_floats() const;
  // Collective use: the piece buffers move into this rank's slot (of at
  // least buffer_floats()), and owners read the pieces of ranks on their
  // node from those ranks' slots after a fence instead of receiving them.
  void use_shared(SharedMemory& shared);

 private:
  struct Plan {
    Plan(std::size_t shards, int rank, int ranks);
    std::size_t shards;
    std::vector<Piece> pieces;
    CanonicalSum sum;
    // Per piece: the index of the buffer holding it on the rank that owns it.
    std::vector<std::size_t> buffer_on_owner;
    std::size_t buffers = 0;  // group and piece buffers this rank needs
    // Set by wire(): where the canonical sum reads each piece's block, and
    // the messages that bring the blocks not readable in place.
    std::vector<const float*> inputs;
    std::vector<Transfer> sends, receives;
  };
  const Plan& plan_for(std::size_t samples) const;
  // Forward and backward of shard k (rows [first, first + rows) of x) into
  // the gradient target; records its loss sum and correct count.
  void run_shard(std::size_t k, std::size_t first, std::size_t rows, ConstMatrixView x,
                 const std::uint8_t* labels, const StepContext& ctx, float grad_scale);
  // Shards [lo, hi) chained into `target`.
  void chain(std::size_t lo, std::size_t hi, std::span<float> target, std::size_t local_first,
             ConstMatrixView x, const std::uint8_t* labels, const StepContext& ctx,
             float grad_scale);

  void set_buffers(float* base, std::size_t count);
  // Whether this rank reads rank r's pieces in place.
  bool reads_in_place(int r) const;
  // Fills every plan's inputs and transfers for the current buffers.
  void wire();

  Model& model_;
  Communicator& comm_;
  SharedMemory* shared_ = nullptr;
  std::vector<Plan> plans_;
  std::size_t stride_ = 0;                 // floats from one buffer to the next
  std::vector<float> own_storage_;         // the buffers, unless in shared memory
  std::vector<std::span<float>> buffers_;  // this rank's group and piece buffers
  std::vector<std::span<float>> group_views_;
  std::vector<float> received_;              // this rank's block of other ranks' pieces
  std::vector<std::vector<float>> scratch_;  // canonical sum intermediates (block size)
  OrderedSums shard_sums_;                   // per shard of the batch
};

}  // namespace mnist_dp
