// The collective watchdog (see mpi_watchdog.hpp).
#include "mpi_watchdog.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mnist_dp/comm/stall_report.hpp"
#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {
namespace {

using Clock = std::chrono::steady_clock;

// How long a rank that timed out collects the reports of the other waiting
// ranks before it decides who is missing.
constexpr auto kReportGrace = std::chrono::seconds(2);
constexpr int kReportTag = 7;

// The report a waiting rank sends to every other rank (plain bytes).
struct WaitReport {
  std::int64_t collective = 0;
  char kind[24] = {};
};

}  // namespace

MpiWatchdog::MpiWatchdog(int rank, int size) : rank_(rank), size_(size) {
  // Reports travel on their own communicator so they can never match the
  // traffic of a collective in flight.
  MPI_Comm_dup(MPI_COMM_WORLD, &reports_);
}

MpiWatchdog::~MpiWatchdog() { MPI_Comm_free(&reports_); }

void MpiWatchdog::wait(std::span<MPI_Request> requests, const char* kind) {
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

void MpiWatchdog::wait_until(FunctionRef<bool()> done, const char* kind) {
  constexpr unsigned kSpinsBeforeYielding = 1024;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds_));
  for (unsigned polls = 0;; ++polls) {
    if (done()) return;
    if (polls < kSpinsBeforeYielding) continue;
    std::this_thread::yield();
    if (timeout_seconds_ > 0 && polls % 256 == 255 && Clock::now() > deadline) {
      abort_stalled(kind);
    }
  }
}

// Tells every other rank where this one waits, listens for kReportGrace to
// those that wait too, and aborts the job; the lowest waiting rank prints the
// verdict, the others give it time to, then abort as well in case it cannot.
void MpiWatchdog::abort_stalled(const char* kind) {
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

}  // namespace mnist_dp
