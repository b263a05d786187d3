// Per-phase wall-clock timers for the training loop, reported by --profile.
#pragma once

#include <array>
#include <chrono>
#include <string>

namespace mnist_dp {

// kAllreduce is every other exchange between ranks: collectives, messages,
// fences and waits. kFetch is copying the parameters other ranks of the node
// updated out of its shared memory into this rank's own copy.
enum class Phase {
  kData,
  kForward,
  kBackward,
  kAllreduce,
  kFetch,
  kOptimizer,
  kEvaluate,
  kOutput,
  kCount
};

class PhaseTimers {
 public:
  using Clock = std::chrono::steady_clock;

  // Adds the time since the last mark (or construction) to `phase`.
  void mark(Phase phase) {
    const Clock::time_point now = Clock::now();
    seconds_[static_cast<std::size_t>(phase)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }
  // Moves `seconds` already charged to `from` over to `to`.
  void transfer(Phase from, Phase to, double seconds) {
    seconds_[static_cast<std::size_t>(from)] -= seconds;
    seconds_[static_cast<std::size_t>(to)] += seconds;
  }
  // Restarts the interval without charging it to any phase.
  void restart() { last_ = Clock::now(); }
  double seconds(Phase phase) const { return seconds_[static_cast<std::size_t>(phase)]; }

  // A human-readable table and a JSON object of the totals.
  std::string table() const;
  std::string json() const;

 private:
  std::array<double, static_cast<std::size_t>(Phase::kCount)> seconds_{};
  Clock::time_point last_ = Clock::now();
};

}  // namespace mnist_dp
