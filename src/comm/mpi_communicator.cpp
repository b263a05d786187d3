// MPI implementation of the Communicator; the only file that includes <mpi.h>.
// Every collective is started non-blocking (or built from non-blocking
// point-to-point messages) and completed by the watchdog, which polls it
// against the deadline: a rank that waits longer than the
// timeout tells the others where it waits, hears from those that wait too,
// and the lowest waiting rank names the missing ranks and aborts the job.
#include "mnist_dp/comm/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/comm/stall_report.hpp"

namespace mnist_dp {
namespace {

using Clock = std::chrono::steady_clock;

// How long a rank that timed out collects the reports of the other waiting
// ranks before it decides who is missing.
constexpr auto kReportGrace = std::chrono::seconds(2);
constexpr int kReportTag = 7;
constexpr int kRingTag = 8;

// The report a waiting rank sends to every other rank (plain bytes).
struct WaitReport {
  std::int64_t collective = 0;
  char kind[24] = {};
};

}  // namespace

// Completes collectives against a deadline and handles a stall.
class MpiCommunicator::Watchdog {
 public:
  Watchdog(int rank, int size) : rank_(rank), size_(size) {
    // Reports travel on their own communicator so they can never match the
    // traffic of a collective in flight.
    MPI_Comm_dup(MPI_COMM_WORLD, &reports_);
  }
  ~Watchdog() { MPI_Comm_free(&reports_); }

  void set_timeout(double seconds) { timeout_seconds_ = seconds; }

  // Starts counting a new collective; `wait` calls until the next `begin`
  // belong to it.
  void begin() { ++collectives_; }

  // Completes `requests`, part of the current collective of the given kind.
  void wait(std::span<MPI_Request> requests, const char* kind) {
    const int count = static_cast<int>(requests.size());
    if (timeout_seconds_ <= 0) {
      MPI_Waitall(count, requests.data(), MPI_STATUSES_IGNORE);
      return;
    }
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(timeout_seconds_));
    int done = 0;
    for (unsigned polls = 0;; ++polls) {
      MPI_Testall(count, requests.data(), &done, MPI_STATUSES_IGNORE);
      if (done) return;
      if (polls % 256 == 255 && Clock::now() > deadline) abort_stalled(kind);
    }
  }

  // A whole collective started as one request.
  void finish(MPI_Request& request, const char* kind) {
    begin();
    wait(std::span<MPI_Request>(&request, 1), kind);
  }

 private:
  // Tells every other rank where this one waits, listens for kReportGrace to
  // those that wait too, and aborts the job; the lowest waiting rank prints
  // the verdict, the others give it time to, then abort as well in case it
  // cannot.
  [[noreturn]] void abort_stalled(const char* kind) {
    WaitReport mine;
    mine.collective = collectives_;
    std::strncpy(mine.kind, kind, sizeof mine.kind - 1);
    const auto n = static_cast<std::size_t>(size_);
    std::vector<WaitReport> inbox(n);
    std::vector<MPI_Request> sends(n, MPI_REQUEST_NULL), receives(n, MPI_REQUEST_NULL);
    for (int r = 0; r < size_; ++r) {
      if (r == rank_) continue;
      const auto i = static_cast<std::size_t>(r);
      MPI_Isend(&mine, sizeof mine, MPI_BYTE, r, kReportTag, reports_, &sends[i]);
      MPI_Irecv(&inbox[i], sizeof(WaitReport), MPI_BYTE, r, kReportTag, reports_, &receives[i]);
    }
    std::vector<std::optional<WaitingAt>> waiting(n);
    waiting[static_cast<std::size_t>(rank_)] = WaitingAt{mine.collective, mine.kind};
    const auto stop_listening = Clock::now() + kReportGrace;
    while (Clock::now() < stop_listening) {
      for (std::size_t i = 0; i < n; ++i) {
        if (receives[i] == MPI_REQUEST_NULL) continue;
        int arrived = 0;
        MPI_Test(&receives[i], &arrived, MPI_STATUS_IGNORE);
        const WaitReport& got = inbox[i];
        if (arrived) {
          waiting[i] =
              WaitingAt{got.collective, std::string(got.kind, strnlen(got.kind, sizeof got.kind))};
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto lowest = std::find_if(waiting.begin(), waiting.end(), [](auto& w) { return w; });
    if (lowest - waiting.begin() == rank_) {
      std::fprintf(stderr, "mnist_dp: error: %s\n",
                   describe_stall(waiting, timeout_seconds_).c_str());
      std::fflush(stderr);
    } else {
      std::this_thread::sleep_for(kReportGrace);
    }
    MPI_Abort(MPI_COMM_WORLD, kExitStalled);
    std::abort();  // MPI_Abort does not return
  }

  int rank_;
  int size_;
  MPI_Comm reports_;
  double timeout_seconds_ = kDefaultCollectiveTimeoutSeconds;
  std::int64_t collectives_ = 0;
};

MpiCommunicator::MpiCommunicator(int* argc, char*** argv) {
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
  watchdog_ = std::make_unique<Watchdog>(rank_, size_);
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

void MpiCommunicator::allgather_blocks(std::span<float> data) {
  set_blocks(data.size());
  MPI_Request request;
  MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data.data(), counts_.data(), offsets_.data(),
                  MPI_FLOAT, MPI_COMM_WORLD, &request);
  watchdog_->finish(request, "allgather");
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

}  // namespace mnist_dp
