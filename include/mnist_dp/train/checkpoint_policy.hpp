// When a run writes a checkpoint: the one rule, asked after every step and
// at every epoch end (after evaluation, so the epoch's metrics are in it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "mnist_dp/train/training_state.hpp"

namespace mnist_dp {

struct CheckpointSchedule {
  bool enabled = false;          // a checkpoint directory is configured
  std::size_t every_epochs = 1;  // 0: only at the end of training
  std::size_t every_steps = 0;   // 0: none within an epoch
  std::size_t epochs = 1;        // the run's length
  std::size_t steps_per_epoch = 1;
};

class CheckpointPolicy {
 public:
  explicit CheckpointPolicy(const CheckpointSchedule& schedule) : s_(schedule) {}

  bool enabled() const { return s_.enabled; }

  // Whether to checkpoint the state `p`, reached by a step (epoch_end false)
  // or by finishing an epoch. A step that ends an epoch is checkpointed at
  // the epoch end instead, so no state is written twice.
  bool due(const TrainingProgress& p, bool epoch_end) const {
    if (!s_.enabled) return false;
    const bool step_due = s_.every_steps > 0 && p.global_step % s_.every_steps == 0;
    if (!epoch_end) return step_due && p.step_in_epoch < s_.steps_per_epoch;
    return p.epoch == s_.epochs || (s_.every_epochs > 0 && p.epoch % s_.every_epochs == 0) ||
           step_due;
  }

 private:
  CheckpointSchedule s_;
};

}  // namespace mnist_dp
