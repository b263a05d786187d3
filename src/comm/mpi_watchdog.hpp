// The collective watchdog: completes the requests of a collective against a
// deadline. A rank that waits longer than the timeout tells the others where
// it waits, hears from those that wait too, and the lowest waiting rank names
// the missing ranks (stall_report.hpp) and aborts the job with kExitStalled.
// Private to comm/: it includes <mpi.h>.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <span>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/function_ref.hpp"

namespace mnist_dp {

class MpiWatchdog {
 public:
  MpiWatchdog(int rank, int size);
  ~MpiWatchdog();
  MpiWatchdog(const MpiWatchdog&) = delete;
  MpiWatchdog& operator=(const MpiWatchdog&) = delete;

  // 0: wait forever.
  void set_timeout(double seconds) { timeout_seconds_ = seconds; }

  // Starts counting a new collective; `wait` calls until the next `begin`
  // belong to it.
  void begin() { ++collectives_; }
  // Completes `requests`, part of the current collective of the given kind.
  void wait(std::span<MPI_Request> requests, const char* kind);
  // Calls `done` until it returns true, part of the current collective;
  // yields the core between calls once it has waited a while (ranks may
  // outnumber cores).
  void wait_until(FunctionRef<bool()> done, const char* kind);
  // A whole collective started as one request.
  void finish(MPI_Request& request, const char* kind) {
    begin();
    wait(std::span<MPI_Request>(&request, 1), kind);
  }

 private:
  [[noreturn]] void abort_stalled(const char* kind);

  int rank_;
  int size_;
  MPI_Comm reports_;
  double timeout_seconds_ = kDefaultCollectiveTimeoutSeconds;
  std::int64_t collectives_ = 0;
};

}  // namespace mnist_dp
