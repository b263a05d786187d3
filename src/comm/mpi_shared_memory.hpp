// SharedMemory over an MPI-3 shared-memory window (MPI_Win_allocate_shared)
// spanning the ranks of one node, on a node communicator of its own. Private
// to comm/.
#pragma once

#include <mpi.h>

#include <memory>
#include <vector>

#include "mnist_dp/comm/node_layout.hpp"
#include "mnist_dp/comm/shared_memory.hpp"
#include "mpi_watchdog.hpp"

namespace mnist_dp {

class MpiSharedMemory final : public SharedMemory {
 public:
  // Collective over MPI_COMM_WORLD; `rank` is this rank's world rank and
  // `layout` says which world ranks share its node.
  static std::unique_ptr<MpiSharedMemory> allocate(std::size_t slot_floats,
                                                   std::size_t common_floats,
                                                   const NodeLayout& layout, int rank,
                                                   MpiWatchdog& watchdog);
  ~MpiSharedMemory() override;
  MpiSharedMemory(const MpiSharedMemory&) = delete;
  MpiSharedMemory& operator=(const MpiSharedMemory&) = delete;

  std::span<float> slot(int rank) override { return slots_[static_cast<std::size_t>(rank)]; }
  std::span<float> common() override { return common_; }
  void fence() override;
  void run_until(FunctionRef<bool()> done, const char* what) override;

 private:
  MpiSharedMemory(MPI_Comm node, MPI_Win window, MpiWatchdog& watchdog)
      : node_(node), window_(window), watchdog_(watchdog) {}

  MPI_Comm node_;
  MPI_Win window_;
  MpiWatchdog& watchdog_;
  std::vector<std::span<float>> slots_;  // per world rank; empty off this node
  std::span<float> common_;
};

}  // namespace mnist_dp
