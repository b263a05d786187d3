// "No rank fails alone": each rank reports its local outcome of a phase, all
// ranks agree, and if any failed, the lowest failing rank prints its one-line
// error and every rank throws RunFailure with the same exit code.
#pragma once

#include <new>
#include <optional>
#include <stdexcept>
#include <string>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

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
