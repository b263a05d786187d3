// The data-parallel training loop: sample this rank's part of each global
// batch, forward, backward, reduce-scatter of the flat gradient, an optimizer
// step on this rank's block of the parameters, allgather of the blocks; at
// epoch end evaluate (sharded over ranks), log and checkpoint.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/config.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/data/sampler.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/model.hpp"
#include "mnist_dp/optim/optimizer.hpp"
#include "mnist_dp/optim/schedule.hpp"
#include "mnist_dp/profile.hpp"

namespace mnist_dp {

struct TrainerHooks {
  // Rank 0 only; may throw. The outcome is agreed by all ranks.
  std::function<void(const Checkpoint&)> save_checkpoint;
  // Rank 0 only: one line of progress output.
  std::function<void(const std::string&)> log;
};

struct EvalResult {
  double loss = 0;
  double accuracy = 0;
};

class Trainer {
 public:
  Trainer(const Config& config, Communicator& comm, const DatasetPair& data);

  const Model& model() const { return model_; }
  const TrainingProgress& progress() const { return progress_; }
  const PhaseTimers& timers() const { return timers_; }

  // Continue from a checkpoint. Throws DataError naming `source` if it does
  // not fit this model and optimizer.
  void restore(const Checkpoint& checkpoint, const std::string& source);
  // Collective: gathers the optimizer state's blocks from all ranks.
  Checkpoint snapshot();

  // Trains until the configured number of epochs is complete.
  void run(const TrainerHooks& hooks);
  // Loss and accuracy over the test set, computed by all ranks together.
  EvalResult evaluate();

 private:
  void train_step(std::size_t step_in_epoch);
  // Prints (rank 0) "training diverged: <what>; no checkpoint written" and
  // throws RunFailure(kExitDiverged); every rank calls it at the same point.
  [[noreturn]] void diverge(const std::string& what) const;
  // "epoch E step S" for the epoch in progress.
  std::string step_name(std::size_t step_in_epoch) const;
  void finish_epoch(const TrainerHooks& hooks, double train_seconds);
  bool mid_epoch_checkpoint_due() const;
  void save_checkpoint(const TrainerHooks& hooks);
  // All ranks agreed to stop (a signal): checkpoint, report, throw RunFailure.
  [[noreturn]] void stop(const TrainerHooks& hooks);

  Config config_;
  std::string config_yaml_;
  Communicator& comm_;
  const DatasetPair& data_;
  GlobalBatchSampler sampler_;
  Model model_;
  Block block_;                           // the parameters this rank's optimizer updates
  std::vector<float> block_grads_;        // the summed gradient of that block
  std::unique_ptr<Optimizer> optimizer_;  // state for block_ only
  LearningRateSchedule schedule_;
  bool has_l2_;
  bool stop_agreed_ = false;
  TrainingProgress progress_;
  PhaseTimers timers_;
  std::vector<float> batch_x_;
  std::vector<std::uint8_t> batch_labels_;
};

}  // namespace mnist_dp
