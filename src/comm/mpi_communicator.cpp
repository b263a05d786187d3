// MPI implementation of the Communicator. Every collective is started
// non-blocking (or built from non-blocking point-to-point messages) and
// completed by the watchdog (mpi_watchdog.hpp), which polls it against the
// deadline.
#include "mnist_dp/comm/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "mpi_shared_memory.hpp"
#include "mpi_watchdog.hpp"

namespace mnist_dp {
namespace {

constexpr int kRingTag = 8;

}  // namespace

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string line(text, static_cast<std::size_t>(length));
  return line.substr(0, line.find_first_of(",\n"));  // "Open MPI v4.1.4"
}

MpiCommunicator::MpiCommunicator(int* argc, char*** argv) {
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  // A node's leader is its lowest world rank (the split keeps world order).
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  int leader = rank_;
  MPI_Bcast(&leader, 1, MPI_INT, 0, node);
  MPI_Comm_free(&node);
  std::vector<int> leaders(static_cast<std::size_t>(size_));
  MPI_Allgather(&leader, 1, MPI_INT, leaders.data(), 1, MPI_INT, MPI_COMM_WORLD);
  layout_ = NodeLayout::from_leaders(leaders);
  watchdog_ = std::make_unique<MpiWatchdog>(rank_, size_);
  exchange_requests_ = std::make_unique<Requests>();
}

MpiCommunicator::~MpiCommunicator() {
  watchdog_.reset();
  MPI_Finalize();
}

void MpiCommunicator::set_collective_timeout(double seconds) { watchdog_->set_timeout(seconds); }

void MpiCommunicator::allreduce_sum(std::span<float> data) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_FLOAT, MPI_SUM,
                 MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "allreduce");
}

void MpiCommunicator::allreduce_sum(std::span<double> data) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, data.data(), static_cast<int>(data.size()), MPI_DOUBLE, MPI_SUM,
                 MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "allreduce");
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

// A ring: in step s each rank passes its running sum of block (rank-1-s) to
// the right and adds its own gradients to the partial sum of block (rank-2-s)
// arriving from the left; after size-1 steps it holds the full sum of its own
// block. Open MPI's blocking reduce-scatter does the same work, but its
// non-blocking one reduces everything on rank 0 first, which was 40% slower.
void MpiCommunicator::reduce_scatter_sum(std::span<const float> data, std::span<float> block) {
  watchdog_->begin();
  if (size_ == 1) {
    std::copy(data.begin(), data.end(), block.begin());
    return;
  }
  const auto block_at = [&](int step_back) {
    return block_of(data.size(), ((rank_ - step_back) % size_ + size_) % size_, size_);
  };
  const std::size_t largest = block_of(data.size(), size_ - 1, size_).size() + 1;
  if (incoming_.size() < largest) {
    incoming_.resize(largest);
    running_sum_.resize(largest);
  }
  const int right = (rank_ + 1) % size_, left = (rank_ + size_ - 1) % size_;
  for (int step = 0; step < size_ - 1; ++step) {
    const Block out = block_at(1 + step), in = block_at(2 + step);
    const float* send = step == 0 ? data.data() + out.begin : running_sum_.data();
    std::array<MPI_Request, 2> requests;
    MPI_Irecv(incoming_.data(), static_cast<int>(in.size()), MPI_FLOAT, left, kRingTag,
              MPI_COMM_WORLD, &requests[0]);
    MPI_Isend(send, static_cast<int>(out.size()), MPI_FLOAT, right, kRingTag, MPI_COMM_WORLD,
              &requests[1]);
    watchdog_->wait(requests, "reduce_scatter");
    float* sum = step == size_ - 2 ? block.data() : running_sum_.data();
    for (std::size_t i = 0; i < in.size(); ++i) sum[i] = incoming_[i] + data[in.begin + i];
  }
}

namespace {

// In-place allgather of blocks described by counts and offsets.
void allgather_in_place(void* data, const std::vector<int>& counts, const std::vector<int>& offsets,
                        MPI_Datatype type, MpiWatchdog& watchdog) {
  MPI_Request request;
  MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data, counts.data(), offsets.data(), type,
                  MPI_COMM_WORLD, &request);
  watchdog.finish(request, "allgather");
}

}  // namespace

void MpiCommunicator::allgather_blocks(std::span<float> data) {
  set_blocks(data.size());
  allgather_in_place(data.data(), counts_, offsets_, MPI_FLOAT, *watchdog_);
}

void MpiCommunicator::allgather_blocks(std::span<double> data) {
  set_blocks(data.size());
  allgather_in_place(data.data(), counts_, offsets_, MPI_DOUBLE, *watchdog_);
}

struct MpiCommunicator::Requests {
  std::vector<MPI_Request> list;
};

void MpiCommunicator::exchange(std::span<const Transfer> sends, std::span<const Transfer> receives,
                               const char* what) {
  watchdog_->begin();
  std::vector<MPI_Request>& requests = exchange_requests_->list;
  requests.resize(receives.size() + sends.size());
  std::size_t i = 0;
  for (const Transfer& t : receives) {
    MPI_Irecv(t.data, static_cast<int>(t.count), MPI_FLOAT, t.peer, t.tag, MPI_COMM_WORLD,
              &requests[i++]);
  }
  for (const Transfer& t : sends) {
    MPI_Isend(t.data, static_cast<int>(t.count), MPI_FLOAT, t.peer, t.tag, MPI_COMM_WORLD,
              &requests[i++]);
  }
  if (!requests.empty()) watchdog_->wait(requests, what);
}

int MpiCommunicator::allreduce_min(int value) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "allreduce");
  return value;
}

int MpiCommunicator::allreduce_max(int value) {
  MPI_Request request;
  MPI_Iallreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "allreduce");
  return value;
}

void MpiCommunicator::broadcast(std::span<std::byte> data, int root) {
  MPI_Request request;
  MPI_Ibcast(data.data(), static_cast<int>(data.size()), MPI_BYTE, root, MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "broadcast");
}

void MpiCommunicator::barrier() {
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "barrier");
}

std::unique_ptr<SharedMemory> MpiCommunicator::share_memory(std::size_t slot_floats,
                                                            std::size_t common_floats) {
  // Every rank reaches the same answer: nodes of one rank each share nothing
  // (a single rank alone still gets its memory, as one node).
  const bool alone_on_every_node = layout_.nodes() == size_ && size_ > 1;
  if (alone_on_every_node) return nullptr;
  return MpiSharedMemory::allocate(slot_floats, common_floats, layout_, rank_, *watchdog_);
}

}  // namespace mnist_dp
