// The collective operations the trainer needs, independent of MPI. The math
// never sees this; the trainer calls it between backward and the optimizer.
// Gradients are reduce-scattered so each rank updates one block of the
// parameters, and the blocks are then allgathered.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

#include "mnist_dp/comm/node_layout.hpp"
#include "mnist_dp/comm/shared_memory.hpp"
#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// training.collective_timeout_s when the config does not set it.
inline constexpr double kDefaultCollectiveTimeoutSeconds = 300;

// Rank r's block of an n-element buffer split over p ranks: [n·r/p, n·(r+1)/p).
using Block = IndexRange;
inline Block block_of(std::size_t n, int rank, int size) {
  const auto r = static_cast<std::size_t>(rank), p = static_cast<std::size_t>(size);
  return {n * r / p, n * (r + 1) / p};
}

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Ranks sharing this node.
  int local_size() const {
    return static_cast<int>(layout().ranks_on(layout().node_of(rank())).size());
  }
  // Which node each rank runs on; the same on every rank.
  virtual const NodeLayout& layout() const = 0;
  // How long a rank may wait in a collective for the others before the run is
  // aborted as stalled (0: forever). Single-process communicators never wait.
  virtual void set_collective_timeout(double /*seconds*/) {}

  virtual void allreduce_sum(std::span<float> data) = 0;
  virtual void allreduce_sum(std::span<double> data) = 0;
  // Sums `data` (the same length on every rank) over the ranks and leaves this
  // rank's block of the sum (block_of(data.size(), rank, size)) in `block`.
  virtual void reduce_scatter_sum(std::span<const float> data, std::span<float> block) = 0;
  // Each rank holds its own block of `data`; afterwards every rank holds all blocks.
  virtual void allgather_blocks(std::span<float> data) = 0;
  virtual void allgather_blocks(std::span<double> data) = 0;
  // Point-to-point: posts every receive and send, and returns when all are
  // complete (watched like a collective; `what` names it in a stall report).
  // Every rank calls it at the same point, with empty lists if it has
  // nothing to move. A send and its receive have the same tag and length.
  virtual void exchange(std::span<const Transfer> sends, std::span<const Transfer> receives,
                        const char* what) = 0;
  virtual int allreduce_min(int value) = 0;
  virtual int allreduce_max(int value) = 0;
  virtual void broadcast(std::span<std::byte> data, int root) = 0;
  virtual void barrier() = 0;
  // Collective: memory shared by the ranks of each node (shared_memory.hpp),
  // with slots of slot_floats and a common area of common_floats; nullptr
  // when every node runs one rank of several (blocks then travel as messages).
  virtual std::unique_ptr<SharedMemory> share_memory(std::size_t slot_floats,
                                                     std::size_t common_floats) = 0;
};

}  // namespace mnist_dp
