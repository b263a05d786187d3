// The learning rate of each step: the configured rate, scaled linearly with
// the global batch when asked (Goyal et al. 2017), ramped up linearly during
// warmup, then constant, dropped in steps, or cosine-decayed. A pure function
// of the global step, so a resumed run uses exactly the same rates.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mnist_dp {

enum class ScheduleKind { kConstant, kStep, kCosine };

struct ScheduleSettings {
  ScheduleKind kind = ScheduleKind::kConstant;
  double warmup_epochs = 0;        // linear ramp from ~0 to the full rate over these epochs
  double drop_every_epochs = 0;    // step: multiply by drop_factor every this many epochs
  double drop_factor = 0.1;        // step
  double final_learning_rate = 0;  // cosine: the rate the decay ends at
};

// The linear scaling rule: `learning_rate` is the rate for a global batch of
// `base_batch_size` (0: for any batch); the run uses it scaled to `batch_size`.
struct BatchScaling {
  std::size_t base_batch_size = 0;
  std::size_t batch_size = 0;
};

class LearningRateSchedule {
 public:
  LearningRateSchedule(const ScheduleSettings& settings, double learning_rate, BatchScaling scaling,
                       std::size_t steps_per_epoch, std::size_t epochs);

  // The rate after batch scaling, before warmup and decay.
  double peak() const { return peak_; }
  // The rate for the step with 0-based global index `step`.
  double at(std::uint64_t step) const;

 private:
  ScheduleSettings settings_;
  double peak_;
  double steps_per_epoch_;
  double warmup_steps_;
  double total_steps_;
};

}  // namespace mnist_dp
