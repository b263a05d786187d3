// The optimizer pass shared by the ranks of one node: instead of each rank
// updating a fixed block and every rank waiting for the slowest at a fence,
// the ranks take chunks of the whole model as their gradients complete, so
// a rank that ends its backward pass early, or updates faster, does more.
//
// Each rank has a home: its share (block_of) of the rows of every tensor.
// Its segment lists its home's chunks from the last tensor to the first,
// the order in which backward completes their gradients. After each
// tensor's gradient a rank publishes its progress in shared memory; a chunk
// is ready once every rank of the node has published its tensor. A rank
// takes the front chunk of its own segment while it is ready, otherwise the
// front chunk of another segment that is, until every chunk is taken.
// Each element is updated once, by the same operations whoever takes it, so
// the bits do not depend on which rank updates what.
//
// Parameters that no step changes (the caller's promise: e.g. kernel rows
// of inputs that are zero in every training example, without L2) are in no
// chunk, so neither the pass nor the fetch touches them.
//
// Homes keep the memory where it is used: a rank takes its own chunks
// unless it would otherwise wait, so the gradient rows outside its home are
// the ones to write with streaming stores (home_rows).
//
// The optimizer state lives in the node's shared memory (any rank may
// update any element). Each rank writes what it updates into the common
// area as well. The step ends with one exchange in shared memory
// (finish_step): each rank publishes that its chunks are updated, with its
// step sums, and waits for the others; it then copies the chunks the others
// updated (for_each_chunk_of_others). That exchange replaces both a fence
// and an allreduce of the sums, so it serves only when the node holds every
// rank: the blocks served between nodes (node_reduction.hpp) have fixed
// owners, and so within one node only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mnist_dp/comm/shared_memory.hpp"
#include "mnist_dp/core/function_ref.hpp"
#include "mnist_dp/core/tensor.hpp"
#include "mnist_dp/nn/params.hpp"

namespace mnist_dp {

class SharedUpdate {
 public:
  // 64 KB: long enough that taking a chunk (one atomic on a shared cache
  // line) costs little beside updating it, short enough to balance.
  static constexpr std::size_t kChunkFloats = 16384;

  // Floats of shared control memory (claims, progress, finish lines) for
  // `ranks` ranks.
  static std::size_t control_floats(int ranks);

  // For the tensors of `params`, shared by `ranks` ranks of which this is
  // `me` (its index on the node). `control` is shared, zeroed before any
  // rank's first step, control_floats(ranks) floats on a cache-line boundary.
  // `unchanging`: sorted, disjoint element ranges of whole rows that no step
  // changes.
  SharedUpdate(const ParameterBuffer& params, int ranks, int me, std::span<float> control,
               std::span<const IndexRange> unchanging = {},
               std::size_t chunk_floats = kChunkFloats);

  // Per tensor (by handle), the rows in this rank's home.
  std::vector<IndexRange> home_rows() const;

  // Starts this rank's step `tag` (1, 2, ...: the same on every rank, one
  // more each step).
  void start_step(std::uint32_t tag);
  // Backward has completed tensor `handle`'s gradient (ParameterBuffer's
  // gradient listener): publishes the progress it completes.
  void gradient_written(std::size_t handle);
  // Publishes every tensor as complete (the end of backward).
  void backward_done();

  // This rank's share of the step: calls `update` on each chunk it takes,
  // and returns once every chunk of the node is taken (not necessarily
  // updated: finish_step waits for that).
  void run(SharedMemory& shared, FunctionRef<void(IndexRange)> update);
  // After run: publishes that this rank's chunks are updated (their streamed
  // stores included) together with its `sums`, waits for every rank of the
  // node to do the same (a watched collective, "step_sums"), and leaves in
  // `sums` the totals over the ranks, added in rank order. Every chunk of
  // the step is then in the common area. At most kMaxStepSums values, the
  // same count on every rank.
  static constexpr std::size_t kMaxStepSums = 7;
  void finish_step(SharedMemory& shared, std::span<double> sums);
  // After finish_step: calls `copy` on every chunk another rank updated.
  void for_each_chunk_of_others(FunctionRef<void(IndexRange)> copy) const;

  // Seconds run has spent with no chunk ready, summed over steps.
  double waited_seconds() const { return waited_seconds_; }
  std::size_t chunk_count() const { return chunks_.size(); }

 private:
  struct Chunk {
    IndexRange elements;
    std::size_t tensor;
  };
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  std::size_t take();                  // a ready chunk, kNone, or chunks_.size() when all taken
  std::size_t take_from(int segment);  // the segment's front chunk if ready; kNone if not
  bool ready(std::size_t tensor);      // every rank has published the tensor's gradient
  void publish(std::uint64_t completed);
  std::uint64_t* claim_word(int segment) const;
  std::uint64_t* progress_word(int rank) const;
  std::uint64_t* finish_line(int rank) const;  // tag, then up to kMaxStepSums sums

  const ParameterBuffer& params_;
  int ranks_;
  int me_;
  std::span<float> control_;
  std::vector<Chunk> chunks_;            // segment by segment
  std::vector<std::size_t> segment_at_;  // segment s: chunks_[segment_at_[s], segment_at_[s + 1])
  std::uint32_t tag_ = 0;
  std::vector<char> written_;    // per tensor: its gradient is complete this step
  std::uint64_t published_ = 0;  // tensors complete from the last one, published
  std::uint64_t all_ready_ = 0;  // tensors known complete on every rank this step
  std::vector<char> mine_;       // per chunk: updated by this rank this step
  double waited_seconds_ = 0;
};

}  // namespace mnist_dp
