// The collective watchdog's one-line verdict on a stall.
#include "mnist_dp/comm/stall_report.hpp"

#include <cstdio>

namespace mnist_dp {
namespace {

// "rank 3" or "ranks 1, 4"
std::string rank_list(const std::vector<int>& ranks) {
  std::string text = ranks.size() == 1 ? "rank " : "ranks ";
  for (std::size_t i = 0; i < ranks.size(); ++i) {
    text += (i == 0 ? "" : ", ") + std::to_string(ranks[i]);
  }
  return text;
}

std::string place(const WaitingAt& at) {
  return "collective #" + std::to_string(at.collective) + " (" + at.kind + ")";
}

}  // namespace

std::string describe_stall(const std::vector<std::optional<WaitingAt>>& waiting,
                           double timeout_seconds) {
  std::vector<int> stalled, waiters;
  const WaitingAt* first = nullptr;
  bool same_place = true;
  for (std::size_t r = 0; r < waiting.size(); ++r) {
    if (!waiting[r]) {
      stalled.push_back(static_cast<int>(r));
      continue;
    }
    waiters.push_back(static_cast<int>(r));
    if (!first) first = &*waiting[r];
    same_place = same_place && waiting[r]->collective == first->collective &&
                 waiting[r]->kind == first->kind;
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g s", timeout_seconds);
  std::string line = "collective watchdog: ";
  if (stalled.empty()) {
    line += "every rank is waiting, but the collective did not complete within ";
    line += seconds;
  } else {
    line += rank_list(stalled) + " did not reach " + (first ? place(*first) : "the collective") +
            " within " + seconds;
  }
  if (same_place) {
    line += "; " + rank_list(waiters) + (waiters.size() == 1 ? " was" : " were") + " waiting there";
  } else {
    for (const int r : waiters) {
      line += "; rank " + std::to_string(r) + " waits in " +
              place(*waiting[static_cast<std::size_t>(r)]);
    }
  }
  return line + "; aborting the run";
}

}  // namespace mnist_dp
