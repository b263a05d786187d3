// "No rank fails alone": each rank reports its local outcome of a phase, all
// ranks agree, and if any failed, the lowest failing rank prints its one-line
// error and every rank throws RunFailure with the same exit code.
#pragma once

#include <new>
#include <optional>
#include <stdexcept>
#include <string>

#include "mnist_dp/comm/communicator.hpp"

namespace mnist_dp {

// Process exit codes, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,  // I/O failure, unexpected error
  kExitUsage = 2,         // bad CLI flag, config key or value
  kExitDataError = 3,     // missing or corrupt data or checkpoint file
  kExitDiverged = 4,      // non-finite loss, gradient or parameters
  kExitStopped = 5,       // stopped by SIGTERM/SIGINT after writing a checkpoint
  kExitStalled = 6,       // a rank did not reach a collective in time (watchdog)
};

// Thrown on every rank once the ranks agreed that the run must stop. The
// message has already been printed by one rank.
class RunFailure : public std::runtime_error {
 public:
  explicit RunFailure(int exit_code) : std::runtime_error("run failed"), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// What a failed allocation reports; the memory estimate refuses the known
// cases before training, so this is the last line of defence.
inline constexpr const char* kOutOfMemoryMessage =
    "out of memory: an allocation failed (use a smaller model or batch, or fewer ranks per node)";

struct LocalError {
  std::string message;
  int exit_code = kExitRuntimeError;
};

// Collective: every rank must call it. Returns normally if no rank failed.
void agree_or_fail(Communicator& comm, const std::optional<LocalError>& error);

// Runs `phase` on every rank, turning the listed exceptions into LocalErrors, then agrees.
template <typename Phase>
void run_collectively(Communicator& comm, int exit_code, Phase&& phase) {
  std::optional<LocalError> error;
  try {
    phase();
  } catch (const RunFailure&) {
    throw;
  } catch (const std::bad_alloc&) {
    error = LocalError{kOutOfMemoryMessage, kExitRuntimeError};
  } catch (const std::exception& e) {
    error = LocalError{e.what(), exit_code};
  }
  agree_or_fail(comm, error);
}

}  // namespace mnist_dp
