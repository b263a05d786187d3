// Memory that every rank reads and writes directly when all ranks run on one
// node (MPI-3 shared-memory windows): one slot per rank and one common area.
// The zero-copy reduction uses it: each rank writes its gradient into its
// slot, each rank sums its block of the parameters straight from all slots
// and updates that block in the common area, and every rank's model reads
// the common area. A rank writes only its own slot and its own block of the
// common area; fence() orders those writes before the other ranks' reads.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace mnist_dp {

// n floats rounded up to whole 64-byte cache lines: buffers laid out at such
// offsets from a slot's start stay 64-byte aligned.
inline std::size_t cache_line_floats(std::size_t n) { return (n + 15) / 16 * 16; }

class SharedMemory {
 public:
  virtual ~SharedMemory() = default;
  // Rank r's slot; every slot starts on a 64-byte boundary.
  virtual std::span<float> slot(int rank) = 0;
  virtual std::span<float> common() = 0;
  // Collective: returns once every rank has called it, and what any rank
  // wrote before its call is then visible to every rank. Watched like the
  // other collectives (a stalled rank is named and the job ends).
  virtual void fence() = 0;
};

// One process: ordinary memory, and a fence with nothing to wait for.
class ProcessMemory final : public SharedMemory {
 public:
  ProcessMemory(std::size_t slot_floats, std::size_t common_floats)
      : slot_(slot_floats), common_(common_floats) {}
  std::span<float> slot(int) override { return slot_; }
  std::span<float> common() override { return common_; }
  void fence() override {}

 private:
  std::vector<float> slot_;
  std::vector<float> common_;
};

}  // namespace mnist_dp
