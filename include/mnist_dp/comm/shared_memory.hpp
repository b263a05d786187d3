// Memory that the ranks of one node read and write directly (MPI-3
// shared-memory windows): one slot per rank of the node and one common area.
// The zero-copy reduction uses it (train/node_reduction.hpp): each rank
// writes its gradient into its slot, sums its block of the parameters
// straight from its node's slots (adding other nodes' partial sums that
// arrive as messages), updates that block in its own copy of the parameters
// and writes it into the common area, from which every rank copies the other
// blocks after a fence. Each byte of the common area has one writer on its
// node; fence() orders the writes before the node's reads.
#pragma once

#include <cstddef>
#include <span>
#include <thread>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/function_ref.hpp"

namespace mnist_dp {

// n floats rounded up to whole 64-byte cache lines: buffers laid out at such
// offsets from a slot's start stay 64-byte aligned.
inline std::size_t cache_line_floats(std::size_t n) { return (n + 15) / 16 * 16; }

class SharedMemory {
 public:
  virtual ~SharedMemory() = default;
  // Rank r's slot, for r on this node; every slot starts on a 64-byte boundary.
  virtual std::span<float> slot(int rank) = 0;
  virtual std::span<float> common() = 0;
  // Collective over the node (every node calls it at the same point):
  // returns once the node's ranks have called it, and what any of them wrote
  // before its call is then visible to all of them. Watched like the
  // other collectives (a stalled rank is named and the job ends).
  virtual void fence() = 0;
  // Calls `done` until it returns true: a rank doing its share of work that
  // waits on what other ranks of the node write. Counted and watched like a
  // collective (every rank of the node calls it at the same points; a rank
  // that waits past the timeout names the ones it waits for and the job
  // ends), so `done` must make progress only through shared memory.
  virtual void run_until(FunctionRef<bool()> done, const char* what) = 0;
};

// One process: ordinary memory, and a fence with nothing to wait for.
class ProcessMemory final : public SharedMemory {
 public:
  ProcessMemory(std::size_t slot_floats, std::size_t common_floats)
      : slot_(slot_floats), common_(common_floats) {}
  std::span<float> slot(int) override { return slot_; }
  std::span<float> common() override { return common_; }
  void fence() override {}
  // Threads of one process may stand in for ranks (tests).
  void run_until(FunctionRef<bool()> done, const char*) override {
    while (!done()) std::this_thread::yield();
  }

 private:
  AlignedFloats slot_;
  AlignedFloats common_;
};

}  // namespace mnist_dp
