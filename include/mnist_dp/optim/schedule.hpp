// The learning rate of each step: the configured rate, scaled linearly with
// the global batch when asked (Goyal et al. 2017), ramped up linearly during
// warmup, then constant, dropped in steps, or cosine-decayed. A pure function
// of the global step, so a resumed run uses exactly the same rates.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mnist_dp/config.hpp"

namespace mnist_dp {

class LearningRateSchedule {
 public:
  LearningRateSchedule(const OptimizerConfig& config, std::size_t batch_size,
                       std::size_t steps_per_epoch, std::size_t epochs);

  // The rate after batch scaling, before warmup and decay.
  double peak() const { return peak_; }
  // The rate for the step with 0-based global index `step`.
  double at(std::uint64_t step) const;

 private:
  ScheduleConfig config_;
  double peak_;
  double steps_per_epoch_;
  double warmup_steps_;
  double total_steps_;
};

}  // namespace mnist_dp
