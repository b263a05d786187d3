// What the collective watchdog says when ranks stop arriving at a collective:
// which ranks never reached it and where the waiting ranks were. Kept free of
// MPI so the wording can be tested without a cluster.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mnist_dp {

// Where one waiting rank is: the number of the collective it waits in
// (counted from 1 on every rank) and its kind.
struct WaitingAt {
  std::int64_t collective = 0;
  std::string kind;
};

// waiting[r] is set for each rank r that reported itself waiting. The line
// names the ranks that did not report (the stalled ones) and where the others
// wait.
std::string describe_stall(const std::vector<std::optional<WaitingAt>>& waiting,
                           double timeout_seconds);

}  // namespace mnist_dp
