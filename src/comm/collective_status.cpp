// Agreement on failure across ranks: the lowest failing rank speaks, all stop.
#include "mnist_dp/comm/collective_status.hpp"

#include <cstdio>

namespace mnist_dp {

void agree_or_fail(Communicator& comm, const std::optional<LocalError>& error) {
  const int no_failure = comm.size();
  const int first_failed = comm.allreduce_min(error ? comm.rank() : no_failure);
  if (first_failed == no_failure) return;
  const int code = comm.allreduce_max(error ? error->exit_code : 0);
  if (comm.rank() == first_failed) {
    std::fprintf(stderr, "mnist_dp: error: %s\n", error->message.c_str());
    std::fflush(stderr);
  }
  throw RunFailure(code);
}

}  // namespace mnist_dp
