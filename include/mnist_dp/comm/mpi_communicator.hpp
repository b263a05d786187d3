// The MPI communicator over MPI_COMM_WORLD. Only its sources (comm/) include
// <mpi.h>. Constructing it initialises MPI; destroying finalises.
// Its collectives are watched: see set_collective_timeout.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"

namespace mnist_dp {

class MpiWatchdog;

// The MPI library's version line (callable before MPI starts).
std::string mpi_library_version();

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(int* argc, char*** argv);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const NodeLayout& layout() const override { return layout_; }
  // Collectives that do not complete within `seconds` (0: wait forever) end
  // the job with kExitStalled, naming the ranks that never arrived.
  void set_collective_timeout(double seconds) override;
  void allreduce_sum(std::span<float> data) override;
  void allreduce_sum(std::span<double> data) override;
  void reduce_scatter_sum(std::span<const float> data, std::span<float> block) override;
  void allgather_blocks(std::span<float> data) override;
  void allgather_blocks(std::span<double> data) override;
  void exchange(std::span<const Transfer> sends, std::span<const Transfer> receives,
                const char* what) override;
  int allreduce_min(int value) override;
  int allreduce_max(int value) override;
  void broadcast(std::span<std::byte> data, int root) override;
  void barrier() override;
  // MPI_Win_allocate_shared over the ranks of this node.
  std::unique_ptr<SharedMemory> share_memory(std::size_t slot_floats,
                                             std::size_t common_floats) override;

 private:
  int rank_ = 0;
  int size_ = 1;
  NodeLayout layout_;
  // Block counts and offsets for the last buffer length seen, kept so the
  // training loop does not allocate.
  void set_blocks(std::size_t n);
  std::size_t blocks_for_ = 0;
  std::vector<int> counts_;
  std::vector<int> offsets_;
  // Reduce-scatter scratch, sized once.
  std::vector<float> incoming_;
  std::vector<float> running_sum_;
  // Requests of exchange, kept so the step does not allocate.
  struct Requests;
  std::unique_ptr<Requests> exchange_requests_;
  std::unique_ptr<MpiWatchdog> watchdog_;
};

}  // namespace mnist_dp
