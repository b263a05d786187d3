// The data-parallel training loop: sample this rank's part of each global
// batch, forward, backward, reduce-scatter of the flat gradient, an optimizer
// step on this rank's block of the parameters, allgather of the blocks; at
// epoch end evaluate (sharded over ranks) and checkpoint when the policy says.
// It only trains: signals, printing and files are its hooks' business.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/config/config.hpp"
#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/profile.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/data/sampler.hpp"
#include "mnist_dp/nn/model.hpp"
#include "mnist_dp/optim/optimizer.hpp"
#include "mnist_dp/optim/schedule.hpp"
#include "mnist_dp/train/block_update.hpp"
#include "mnist_dp/train/checkpoint_policy.hpp"
#include "mnist_dp/train/evaluation.hpp"
#include "mnist_dp/train/node_reduction.hpp"
#include "mnist_dp/train/ordered_sums.hpp"
#include "mnist_dp/train/sharded_gradient.hpp"
#include "mnist_dp/train/shared_update.hpp"
#include "mnist_dp/train/training_state.hpp"

namespace mnist_dp {

// How the trainer reaches the world. Each is optional. Hooks marked rank 0
// run there only and may throw; the ranks then agree on the failure.
struct TrainerHooks {
  // Every rank, every step: whether this process was asked to stop. If any
  // rank says so, all stop after the same step, checkpoint, call `stopped`
  // and throw RunFailure(kExitStopped).
  std::function<bool()> stop_requested;
  // Rank 0, after every step: the run's progress (the epoch's sums so far
  // are global) and the steps of an epoch.
  std::function<void(const TrainingProgress& progress, std::size_t steps_per_epoch)> step_end;
  // Rank 0: write this checkpoint.
  std::function<void(const Checkpoint&)> save_checkpoint;
  // Rank 0, after each epoch's evaluation (before its checkpoint): the
  // epoch's metrics and its steps; `history` holds every epoch so far, this one last.
  std::function<void(const EpochMetrics& epoch, const std::vector<EpochMetrics>& history,
                     std::size_t steps_per_epoch)>
      epoch_end;
  // Rank 0: training stopped on request at `progress`; `checkpointed` says
  // whether a checkpoint of it was written.
  std::function<void(const TrainingProgress& progress, bool checkpointed)> stopped;
  // Rank 0: the loss, a gradient or the parameters became non-finite (`what`,
  // with the step); no checkpoint of that state is written. RunFailure(kExitDiverged) follows.
  std::function<void(const std::string& what)> diverged;
};

class Trainer {
 public:
  // `config_yaml` is the resolved config stored in every checkpoint.
  Trainer(const Config& config, std::string config_yaml, Communicator& comm,
          const DatasetPair& data);

  const Model& model() const { return model_; }
  const TrainingProgress& progress() const { return progress_; }
  const PhaseTimers& timers() const { return timers_; }
  // The most samples of one global batch this rank trains on.
  std::size_t max_local_batch() const { return sampler_.max_local_batch(); }
  // The training images' non-zero fraction, and whether the first layer
  // therefore skips zero pixels (training.sparse_input_below).
  double input_density() const { return input_density_; }
  bool sparse_input() const { return input_density_ < config_.training.sparse_input_below; }
  // How gradients and parameters move between the ranks, for the banner.
  std::string reduction_path() const;

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
  // The per-step values summed over the ranks in one allreduce, so every
  // rank takes the same decisions at the same step.
  enum StepSum { kLossSum, kCorrect, kStopRequests, kNonFiniteGradientBlocks, kStepSumCount };
  using StepSums = std::array<double, kStepSumCount>;

  // Collective: moves the parameters and gradients into shared memory when
  // ranks share nodes.
  void share_parameters();
  StepSums train_step(std::size_t step_in_epoch, const TrainerHooks& hooks);
  // The step's gradient, ready for update_block, and its loss and correct
  // sums: one local batch, then the reduce-scatter, or with shared memory a
  // fence (this rank's sums); or, deterministic, shard by shard in the
  // canonical order (global sums).
  StepSums plain_gradient(const LocalBatch& batch, MatrixView x);
  StepSums sharded_gradient(const LocalBatch& batch, MatrixView x);
  // The optimizer step over this rank's block, summing its gradient on the
  // way with shared memory (block_update.hpp), or over the chunks this rank
  // takes with shared_update_. Returns whether the gradient it read was
  // finite.
  bool update_block();
  bool update_shared_chunks();
  // After the step's fence: this rank's copy of the parameters gets what
  // the other ranks updated, from the common area.
  void fetch_others();
  // With shared_update_: the optimizer's state and the control memory in
  // the common area after the parameters, zeroed; gradient rows outside
  // this rank's home streamed when `streaming`.
  void share_update(bool streaming);
  std::size_t shared_update_common_floats() const;
  std::span<float> shared_state() const;
  std::span<float> shared_update_control() const;
  // Parameters no step changes (train/shared_update.hpp).
  std::vector<IndexRange> unchanging_parameters() const;
  // Collective: makes the step's sums, stop requests and non-finite flags
  // global, so every rank takes the same decisions. With a shared update it
  // is the pass's end as well: every chunk is then in the common area.
  void agree(StepSums& sums, bool stop, bool finite);
  // Loss and correct sums over the test set in fixed chunks, combined in chunk order.
  EvalSums evaluate_in_chunks();
  std::size_t eval_chunk_count() const;
  // All ranks call it at the same point: reports (rank 0) and throws RunFailure(kExitDiverged).
  [[noreturn]] void diverge(const std::string& what, const TrainerHooks& hooks) const;
  // "epoch E step S" for the epoch in progress.
  std::string step_name(std::size_t step_in_epoch) const;
  void finish_epoch(const TrainerHooks& hooks, double train_seconds);
  // Collective: the snapshot to checkpoint; diverges instead if the
  // parameters are not all finite.
  Checkpoint checked_snapshot(const TrainerHooks& hooks);
  // Collective: checked_snapshot, and rank 0 saves it through the hook.
  void save_checkpoint(const TrainerHooks& hooks);
  // All ranks agreed to stop: checkpoint, report, throw RunFailure(kExitStopped).
  [[noreturn]] void stop(const TrainerHooks& hooks);

  Config config_;
  std::string config_yaml_;
  Communicator& comm_;
  const DatasetPair& data_;
  GlobalBatchSampler sampler_;
  Model model_;
  Block block_;  // the parameters this rank's optimizer updates (all with shared_update_)
  std::vector<float> block_grads_;  // that block's summed gradient, unless update_block sums it
  // State for block_ only, or with shared_update_ for every parameter, in
  // the node's shared memory.
  std::unique_ptr<Optimizer> optimizer_;
  BlockUpdate block_update_;
  LearningRateSchedule schedule_;
  CheckpointPolicy checkpoints_;
  Evaluator evaluator_;
  std::unique_ptr<ShardedGradient> sharded_;  // training.deterministic only
  // training.shared_memory, unless every node runs a single rank: the slots
  // hold the gradients (or pieces), the common area the parameters.
  std::unique_ptr<SharedMemory> shared_;
  std::unique_ptr<NodeReduction> node_reduction_;  // with shared_
  // training.shared_update on one node of several ranks, in the ordinary
  // mode: the ranks share the optimizer pass instead of fixed blocks.
  std::unique_ptr<SharedUpdate> shared_update_;
  // With shared_update_: the parameters it skips (unchanging_parameters,
  // unless a restored optimizer state says otherwise).
  std::vector<IndexRange> unchanging_;
  OrderedSums chunk_sums_;  // deterministic: per evaluation chunk
  bool has_l2_;
  double input_density_;
  TrainingProgress progress_;
  PhaseTimers timers_;
  AlignedFloats batch_x_;
  std::vector<std::uint8_t> batch_labels_;
};

}  // namespace mnist_dp
