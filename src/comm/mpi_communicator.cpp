// MPI implementation of the Communicator; the only file that includes <mpi.h>.
#include "mnist_dp/comm/mpi_communicator.hpp"

#include <mpi.h>

namespace mnist_dp {

MpiCommunicator::MpiCommunicator(int* argc, char*** argv) {
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
}

MpiCommunicator::~MpiCommunicator() { MPI_Finalize(); }

void MpiCommunicator::allreduce_sum(std::span<float> data) {
  MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_FLOAT, MPI_SUM,
                MPI_COMM_WORLD);
}

void MpiCommunicator::allreduce_sum(std::span<double> data) {
  MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_DOUBLE, MPI_SUM,
                MPI_COMM_WORLD);
}

void MpiCommunicator::set_blocks(std::size_t n) {
  if (n == blocks_for_ && !counts_.empty()) return;
  counts_.resize(static_cast<std::size_t>(size_));
  offsets_.resize(static_cast<std::size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    const Block b = block_of(n, r, size_);
    counts_[static_cast<std::size_t>(r)] = static_cast<int>(b.size());
    offsets_[static_cast<std::size_t>(r)] = static_cast<int>(b.begin);
  }
  blocks_for_ = n;
}

void MpiCommunicator::reduce_scatter_sum(std::span<const float> data, std::span<float> block) {
  set_blocks(data.size());
  MPI_Reduce_scatter(data.data(), block.data(), counts_.data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

void MpiCommunicator::allgather_blocks(std::span<float> data) {
  set_blocks(data.size());
  MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data.data(), counts_.data(), offsets_.data(),
                 MPI_FLOAT, MPI_COMM_WORLD);
}

int MpiCommunicator::allreduce_min(int value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return value;
}

int MpiCommunicator::allreduce_max(int value) {
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

void MpiCommunicator::broadcast(std::span<std::byte> data, int root) {
  MPI_Bcast(data.data(), static_cast<int>(data.size()), MPI_BYTE, root, MPI_COMM_WORLD);
}

void MpiCommunicator::barrier() { MPI_Barrier(MPI_COMM_WORLD); }

}  // namespace mnist_dp
