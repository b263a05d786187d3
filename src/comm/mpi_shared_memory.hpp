// SharedMemory over an MPI-3 shared-memory window (MPI_Win_allocate_shared)
// spanning every rank of the job, all on one node. Private to comm/.
#pragma once

#include <mpi.h>

#include <memory>
#include <vector>

#include "mnist_dp/comm/shared_memory.hpp"
#include "mpi_watchdog.hpp"

namespace mnist_dp {

class MpiSharedMemory final : public SharedMemory {
 public:
  // Collective over MPI_COMM_WORLD (`rank` of `size`), whose ranks must all
  // share this node.
  static std::unique_ptr<MpiSharedMemory> allocate(std::size_t slot_floats,
                                                   std::size_t common_floats, int rank, int size,
                                                   MpiWatchdog& watchdog);
  ~MpiSharedMemory() override;
  MpiSharedMemory(const MpiSharedMemory&) = delete;
  MpiSharedMemory& operator=(const MpiSharedMemory&) = delete;

  std::span<float> slot(int rank) override { return slots_[static_cast<std::size_t>(rank)]; }
  std::span<float> common() override { return common_; }
  void fence() override;

 private:
  MpiSharedMemory(MPI_Win window, MpiWatchdog& watchdog) : window_(window), watchdog_(watchdog) {}

  MPI_Win window_;
  MpiWatchdog& watchdog_;
  std::vector<std::span<float>> slots_;
  std::span<float> common_;
};

}  // namespace mnist_dp
