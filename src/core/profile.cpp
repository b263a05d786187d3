// Formatting of the per-phase timer totals.
#include "mnist_dp/core/profile.hpp"

#include <cstdio>
#include <iterator>

namespace mnist_dp {
namespace {

constexpr const char* kNames[] = {"data",  "forward",   "backward", "allreduce",
                                  "fetch", "optimizer", "evaluate", "output"};
static_assert(std::size(kNames) == static_cast<std::size_t>(Phase::kCount));

}  // namespace

std::string PhaseTimers::table() const {
  double total = 0;
  for (double s : seconds_) total += s;
  std::string out = "Phase        seconds   share\n";
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    char line[80];
    std::snprintf(line, sizeof line, "%-10s %9.3f  %5.1f%%\n", kNames[i], seconds_[i],
                  total > 0 ? 100.0 * seconds_[i] / total : 0.0);
    out += line;
  }
  char line[80];
  std::snprintf(line, sizeof line, "%-10s %9.3f\n", "total", total);
  return out + line;
}

std::string PhaseTimers::json() const {
  std::string out = "{";
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    char item[64];
    std::snprintf(item, sizeof item, "%s\"%s\": %.6f", i ? ", " : "", kNames[i], seconds_[i]);
    out += item;
  }
  return out + "}";
}

}  // namespace mnist_dp
