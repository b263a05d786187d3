// Learning-rate warmup and decay as a function of the global step.
#include "mnist_dp/optim/schedule.hpp"

#include <cmath>
#include <numbers>

namespace mnist_dp {

LearningRateSchedule::LearningRateSchedule(const ScheduleSettings& settings, double learning_rate,
                                           BatchScaling scaling, std::size_t steps_per_epoch,
                                           std::size_t epochs)
    : settings_(settings),
      peak_(scaling.base_batch_size == 0 ? learning_rate
                                         : learning_rate * static_cast<double>(scaling.batch_size) /
                                               static_cast<double>(scaling.base_batch_size)),
      steps_per_epoch_(static_cast<double>(steps_per_epoch)),
      warmup_steps_(std::ceil(settings.warmup_epochs * static_cast<double>(steps_per_epoch))),
      total_steps_(static_cast<double>(steps_per_epoch * epochs)) {}

double LearningRateSchedule::at(std::uint64_t step) const {
  const auto t = static_cast<double>(step);
  if (t < warmup_steps_) return peak_ * (t + 1.0) / warmup_steps_;
  if (settings_.kind == ScheduleKind::kStep) {
    const double drops = std::floor(t / (settings_.drop_every_epochs * steps_per_epoch_));
    return peak_ * std::pow(settings_.drop_factor, drops);
  }
  if (settings_.kind == ScheduleKind::kCosine) {
    const double span = std::max(1.0, total_steps_ - warmup_steps_);
    const double progress = std::min(1.0, (t - warmup_steps_) / span);
    const double final = settings_.final_learning_rate;
    return final + (peak_ - final) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  return peak_;
}

}  // namespace mnist_dp
