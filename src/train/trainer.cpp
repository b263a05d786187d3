// The training loop. All ranks run the same steps in lockstep; every value
// that decides control flow (loss, progress) is global after a reduction, so
// all ranks take the same branches and none can stop alone.
#include "mnist_dp/train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/core/finite.hpp"
#include "mnist_dp/nn/dense.hpp"
#include "mnist_dp/nn/softmax_cross_entropy.hpp"
#include "mnist_dp/optim/regularization.hpp"
#include "mnist_dp/train/memory_estimate.hpp"

namespace mnist_dp {
namespace {

// The model runs whole local batches, or single shards in the deterministic mode.
std::size_t model_batch_capacity(const Config& config, const GlobalBatchSampler& sampler,
                                 std::size_t test_count, int ranks) {
  const std::size_t train_rows = config.training.deterministic
                                     ? std::min(kShardRows, sampler.max_local_batch())
                                     : sampler.max_local_batch();
  return std::max(train_rows, eval_rows_per_pass(config.training, test_count, ranks));
}

// Whether the ranks share the optimizer pass (train/shared_update.hpp): on
// one node of several ranks, through shared memory, in the ordinary mode.
// The shared memory may still turn out unavailable (share_parameters).
bool may_share_update(const Config& config, const Communicator& comm) {
  const TrainingConfig& t = config.training;
  return t.shared_update && t.shared_memory && !t.deterministic && comm.size() > 1 &&
         comm.layout().nodes() == 1;
}

CheckpointSchedule checkpoint_schedule(const Config& config, std::size_t steps_per_epoch) {
  return {!config.output.checkpoint_dir.empty(), config.output.checkpoint_every_epochs,
          config.output.checkpoint_every_steps, config.training.epochs, steps_per_epoch};
}

}  // namespace

Trainer::Trainer(const Config& config, std::string config_yaml, Communicator& comm,
                 const DatasetPair& data)
    : config_(config),
      config_yaml_(std::move(config_yaml)),
      comm_(comm),
      data_(data),
      sampler_(data.train.count, config.training.batch_size, config.training.seed, comm.rank(),
               comm.size(), config.training.deterministic ? kShardRows : 0),
      model_(config.model, data.train.features, data.num_classes,
             model_batch_capacity(config, sampler_, data.test.count, comm.size())),
      block_(block_of(model_.params().size(), comm.rank(), comm.size())),
      // Sized in share_parameters when the update is shared.
      block_grads_(may_share_update(config, comm) ? 0 : block_.size()),
      optimizer_(
          make_optimizer(config.optimizer, may_share_update(config, comm) ? 0 : block_.size())),
      block_update_(block_),
      schedule_(config.optimizer.schedule, config.optimizer.learning_rate,
                {config.optimizer.base_batch_size, config.training.batch_size},
                sampler_.steps_per_epoch(), config.training.epochs),
      checkpoints_(checkpoint_schedule(config, sampler_.steps_per_epoch())),
      evaluator_(data.test.features,
                 eval_rows_per_pass(config.training, data.test.count, comm.size())),
      chunk_sums_(config.training.deterministic ? eval_chunk_count() : 0),
      has_l2_(has_l2(model_.params())),
      input_density_(nonzero_fraction(data.train)),
      batch_x_(sampler_.max_local_batch() * data.train.features),
      batch_labels_(sampler_.max_local_batch()) {
  model_.initialize(config.training.seed);
  model_.set_sparsity(sparse_input(),
                      {config.training.sparse_forward_below, config.training.sparse_gradient_below},
                      sampler_.max_local_batch());
  if (sparse_input()) {  // on the first rows of the training data, in the batch buffer
    const std::size_t rows = std::min(sampler_.max_local_batch(), data.train.count);
    const MatrixView sample{batch_x_.data(), rows, data.train.features};
    copy_rows(data.train, 0, sample, batch_labels_.data());
    model_.choose_sparse_forward(sample);
  }
  model_.set_precision(config.training.precision, sampler_.max_local_batch());
  if (config.training.deterministic) {
    sharded_ = std::make_unique<ShardedGradient>(model_, comm, sampler_.batch_sizes());
  }
  if (config.training.shared_memory) share_parameters();
}

// Every rank's gradients (or deterministic pieces) go to its slot. Each rank
// keeps its own copy of the parameters; every step it writes what it
// updated into the node's common area and, after the fence (or the shared
// update's finish_step), fetches the rest from it. So the common area is
// read only after a step has written all of it.
void Trainer::share_parameters() {
  const std::size_t n = model_.params().size();
  const bool share_optimizer = may_share_update(config_, comm_);
  shared_ = comm_.share_memory(sharded_ ? sharded_->buffer_floats() : n,
                               share_optimizer ? shared_update_common_floats() : n);
  if (!shared_) {  // fixed blocks after all
    optimizer_ = make_optimizer(config_.optimizer, block_.size());
    block_grads_.resize(block_.size());
    return;
  }
  node_reduction_ = std::make_unique<NodeReduction>(comm_, *shared_, n);
  // Alone, a rank reads all its gradient and no one reads the common area:
  // copying into it would only cost a pass over the model.
  const bool shared_with_others = comm_.size() > 1;
  const bool streaming = shared_with_others && config_.training.streaming_stores;
  if (share_optimizer) {
    share_update(streaming);
  } else if (sharded_) {
    sharded_->use_shared(*shared_);
  } else {
    model_.params().place_grads(shared_->slot(comm_.rank()), streaming ? block_ : kAllIndices);
  }
  if (shared_with_others) block_update_.copy_to(shared_->common().first(n), streaming);
}

// The common area with a shared update: the parameters, the optimizer's
// slots (each from a cache line), then the control memory.
std::size_t Trainer::shared_update_common_floats() const {
  const std::size_t line_n = cache_line_floats(model_.params().size());
  return line_n * (1 + optimizer_->slot_names().size()) +
         SharedUpdate::control_floats(comm_.size());
}

std::span<float> Trainer::shared_state() const {
  const std::size_t line_n = cache_line_floats(model_.params().size());
  return shared_->common().subspan(line_n, optimizer_->slot_names().size() * line_n);
}

std::span<float> Trainer::shared_update_control() const {
  const std::size_t line_n = cache_line_floats(model_.params().size());
  return shared_->common().subspan(line_n * (1 + optimizer_->slot_names().size()));
}

void Trainer::share_update(bool streaming) {
  ParameterBuffer& params = model_.params();
  const std::size_t n = params.size();
  const std::span<float> state = shared_state();
  const std::span<float> control = shared_update_control();
  const Block zeroed_here = block_of(state.size(), comm_.rank(), comm_.size());
  std::fill(state.begin() + static_cast<std::ptrdiff_t>(zeroed_here.begin),
            state.begin() + static_cast<std::ptrdiff_t>(zeroed_here.end), 0.0f);
  if (comm_.rank() == 0) std::fill(control.begin(), control.end(), 0.0f);
  block_ = {0, n};  // the optimizer's state covers every parameter
  optimizer_ = make_optimizer(config_.optimizer, n);
  optimizer_->place_slots(state, cache_line_floats(n));
  block_update_ = BlockUpdate(block_);
  unchanging_ = unchanging_parameters();
  shared_update_ =
      std::make_unique<SharedUpdate>(params, comm_.size(), comm_.rank(), control, unchanging_);
  if (streaming) {
    params.place_grads(shared_->slot(comm_.rank()), shared_update_->home_rows());
  } else {
    params.place_grads(shared_->slot(comm_.rank()));
  }
  params.set_gradient_listener(
      [this](std::size_t handle) { shared_update_->gradient_written(handle); });
  shared_->fence();  // the zeroed state before any rank's first step
}

// The first layer's kernel rows of the features that are zero in every
// training example: their gradient is exactly zero at every step, so with
// no L2 on that kernel and zero optimizer state no step changes them, bit
// for bit (Adam, SGD and RMSprop alike). A first layer other than Dense
// (an activation of the pixels) may make those inputs non-zero: none then.
std::vector<IndexRange> Trainer::unchanging_parameters() const {
  const auto& layers = model_.layers();
  if (layers.empty() || !dynamic_cast<const DenseLayer*>(layers.front().get())) return {};
  const ParamTensor& kernel = model_.params().tensors().front();
  if (kernel.rows != data_.train.features || kernel.l2 != 0.0f) return {};
  std::vector<IndexRange> rows;
  for (const IndexRange f : always_zero_features(data_.train)) {
    rows.push_back({kernel.offset + f.begin * kernel.cols, kernel.offset + f.end * kernel.cols});
  }
  return rows;
}

std::string Trainer::reduction_path() const {
  const int nodes = comm_.layout().nodes();
  if (!shared_) return "messages between " + std::to_string(nodes) + " node(s)";
  if (nodes == 1) return "shared memory";
  return "shared memory within " + std::to_string(nodes) + " nodes, messages between them";
}

void Trainer::restore(const Checkpoint& c, const std::string& source) {
  const auto& expected = model_.params().tensors();
  auto mismatch = [&](const std::string& what) {
    throw DataError(source + ": checkpoint does not match the configured network: " + what);
  };
  if (c.tensors.size() != expected.size()) {
    mismatch(std::to_string(c.tensors.size()) + " weight tensors, the model has " +
             std::to_string(expected.size()));
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ParamTensor& a = c.tensors[i];
    const ParamTensor& b = expected[i];
    if (a.name != b.name || a.rows != b.rows || a.cols != b.cols) {
      mismatch(a.name + " is " + std::to_string(a.rows) + "x" + std::to_string(a.cols) +
               ", model " + b.name + " is " + std::to_string(b.rows) + "x" +
               std::to_string(b.cols));
    }
  }
  if (c.optimizer_name != optimizer_->name() ||
      c.optimizer_slots.size() != optimizer_->slot_names().size()) {
    mismatch("optimizer '" + c.optimizer_name + "', configured '" + optimizer_->name() + "'");
  }
  for (std::size_t i = 0; i < c.optimizer_slots.size(); ++i) {
    if (c.optimizer_slots[i].values.size() != model_.params().size()) {
      mismatch("optimizer slot '" + c.optimizer_slots[i].name + "' has the wrong length");
    }
  }
  if (c.progress.step_in_epoch >= sampler_.steps_per_epoch() && c.progress.step_in_epoch != 0) {
    mismatch("step " + std::to_string(c.progress.step_in_epoch) + " is beyond an epoch of " +
             std::to_string(sampler_.steps_per_epoch()) + " steps");
  }
  std::copy(c.params.begin(), c.params.end(), model_.params().values().begin());
  // This rank's block of each slot; shared state is written once per node.
  const bool writes_state = !shared_update_ || comm_.rank() == 0;
  for (std::size_t i = 0; i < c.optimizer_slots.size() && writes_state; ++i) {
    const auto& full = c.optimizer_slots[i].values;
    std::copy(full.begin() + static_cast<std::ptrdiff_t>(block_.begin),
              full.begin() + static_cast<std::ptrdiff_t>(block_.end), optimizer_->slot(i).begin());
  }
  if (shared_update_) {
    shared_->fence();
    // A checkpoint from other training data may have moved those rows.
    const bool state_zero = std::ranges::all_of(unchanging_, [&](IndexRange r) {
      for (std::size_t i = 0; i < optimizer_->slot_names().size(); ++i) {
        const auto s = optimizer_->slot(i).subspan(r.begin, r.size());
        if (!std::ranges::all_of(s, [](float v) { return v == 0.0f; })) return false;
      }
      return true;
    });
    if (!state_zero) {
      unchanging_.clear();
      shared_update_ = std::make_unique<SharedUpdate>(model_.params(), comm_.size(), comm_.rank(),
                                                      shared_update_control());
    }
  }
  optimizer_->set_iterations(c.optimizer_iterations);
  progress_ = c.progress;
}

Checkpoint Trainer::snapshot() {
  Checkpoint c;
  c.config_yaml = config_yaml_;
  c.seed = config_.training.seed;
  c.progress = progress_;
  c.tensors = model_.params().tensors();
  c.params.assign(model_.params().values().begin(), model_.params().values().end());
  c.optimizer_name = optimizer_->name();
  c.optimizer_iterations = optimizer_->iterations();
  for (std::size_t i = 0; i < optimizer_->slot_names().size(); ++i) {  // gather the blocks
    std::vector<float> full(model_.params().size());
    std::copy(optimizer_->slot(i).begin(), optimizer_->slot(i).end(),
              full.begin() + static_cast<std::ptrdiff_t>(block_.begin));
    if (!shared_update_) comm_.allgather_blocks(full);  // shared state is whole already
    c.optimizer_slots.push_back({optimizer_->slot_names()[i], std::move(full)});
  }
  return c;
}

void Trainer::diverge(const std::string& what, const TrainerHooks& hooks) const {
  if (comm_.rank() == 0 && hooks.diverged) hooks.diverged(what);
  throw RunFailure(kExitDiverged);
}

std::string Trainer::step_name(std::size_t step_in_epoch) const {
  return "epoch " + std::to_string(progress_.epoch + 1) + " step " + std::to_string(step_in_epoch);
}

Trainer::StepSums Trainer::train_step(std::size_t step_in_epoch, const TrainerHooks& hooks) {
  const LocalBatch batch = sampler_.local_batch(step_in_epoch);
  const std::size_t rows = batch.indices.size();
  const MatrixView x{batch_x_.data(), rows, data_.train.features};
  gather_batch(data_.train, batch.indices, x, batch_labels_.data());
  timers_.mark(Phase::kData);

  if (shared_update_)
    shared_update_->start_step(static_cast<std::uint32_t>(progress_.global_step + 1));
  const bool stop = hooks.stop_requested && hooks.stop_requested();
  // The same on every rank: it depends only on the parameters, read here
  // before any rank updates its block.
  const double l2 = has_l2_ ? l2_penalty(model_.params()) : 0.0;
  StepSums sums = sharded_ ? sharded_gradient(batch, x) : plain_gradient(batch, x);
  const double waited_before = shared_update_ ? shared_update_->waited_seconds() : 0;
  const bool finite = update_block();
  timers_.mark(Phase::kOptimizer);
  if (shared_update_) {  // waiting for other ranks' gradients is communication
    timers_.transfer(Phase::kOptimizer, Phase::kAllreduce,
                     shared_update_->waited_seconds() - waited_before);
  }
  agree(sums, stop, finite);
  timers_.mark(Phase::kAllreduce);
  // A diverged step has updated the parameters, but no rank goes on from
  // them: every rank stops here, before they are shared or checkpointed.
  if (has_l2_) sums[kLossSum] += l2 * static_cast<double>(batch.global_count);
  if (!std::isfinite(sums[kLossSum])) {
    diverge("non-finite loss at " + step_name(step_in_epoch + 1), hooks);
  }
  if (sums[kNonFiniteGradientBlocks] > 0) {
    diverge("non-finite gradient at " + step_name(step_in_epoch + 1), hooks);
  }
  if (!shared_) {
    comm_.allgather_blocks(model_.params().values());
  } else if (!shared_update_) {  // a shared update's agree has seen every chunk updated
    node_reduction_->share_block();
    shared_->fence();  // every block in the common area before any rank fetches it
  }
  timers_.mark(Phase::kAllreduce);
  if (shared_) {
    fetch_others();
    timers_.mark(Phase::kFetch);
  }

  progress_.loss_sum += sums[kLossSum];
  progress_.correct += sums[kCorrect];
  progress_.seen += static_cast<double>(batch.global_count);
  progress_.global_step += 1;
  progress_.step_in_epoch = step_in_epoch + 1;
  return sums;
}

Trainer::StepSums Trainer::plain_gradient(const LocalBatch& batch, MatrixView x) {
  const StepContext ctx{true, config_.training.seed, progress_.global_step, batch.first_position};
  const ConstMatrixView logits = model_.forward(ctx, x);
  const MatrixView grad_logits = model_.logits_grad_buffer(x.rows);
  // Each sample's gradient is scaled by 1/(global batch size): the summed
  // gradient is then the mean gradient over the whole global batch.
  const LossStats stats = softmax_cross_entropy(
      logits, batch_labels_.data(), 1.0f / static_cast<float>(batch.global_count), grad_logits);
  timers_.mark(Phase::kForward);
  model_.backward(x, grad_logits);
  timers_.mark(Phase::kBackward);

  // With shared memory, update_block sums this rank's block straight from
  // its node's slots once they are complete; otherwise the reduce-scatter
  // leaves the block's sum in block_grads_. The blocks are then shared.
  // A shared update needs no fence: each chunk waits for its gradients.
  if (shared_update_) {
    shared_update_->backward_done();
  } else if (shared_) {
    shared_->fence();
    node_reduction_->exchange_partials();
  } else {
    comm_.reduce_scatter_sum(model_.params().grads(), block_grads_);
  }
  timers_.mark(Phase::kAllreduce);
  StepSums sums{};
  sums[kLossSum] = stats.loss_sum;
  sums[kCorrect] = static_cast<double>(stats.correct);
  return sums;
}

Trainer::StepSums Trainer::sharded_gradient(const LocalBatch& batch, MatrixView x) {
  const EvalSums stats = sharded_->run(batch, x, batch_labels_.data(), config_.training.seed,
                                       progress_.global_step, block_grads_);
  timers_.mark(Phase::kBackward);
  StepSums sums{};
  sums[kLossSum] = stats.loss_sum;
  sums[kCorrect] = stats.correct;
  return sums;
}

bool Trainer::update_block() {
  if (shared_update_) return update_shared_chunks();
  const bool sums_slots = shared_ && !sharded_;
  return block_update_.run(
      *optimizer_, model_.params(), has_l2_, schedule_.at(progress_.global_step),
      [&](std::size_t first, std::span<float> scratch) {
        const std::size_t in_block = first - block_.begin;
        if (!sums_slots) {
          return std::span<float>(block_grads_).subspan(in_block, scratch.size());
        }
        node_reduction_->sum_block(in_block, scratch);
        return scratch;
      });
}

bool Trainer::update_shared_chunks() {
  optimizer_->start_step(schedule_.at(progress_.global_step));
  bool finite = true;
  const auto sum_slots = [&](std::size_t first, std::span<float> scratch) {
    node_reduction_->sum_node_slots(first, scratch);
    return scratch;
  };
  shared_update_->run(*shared_, [&](IndexRange chunk) {
    finite = block_update_.update_range(*optimizer_, model_.params(), has_l2_, chunk, sum_slots) &&
             finite;
  });
  block_update_.finish();
  return finite;
}

void Trainer::fetch_others() {
  const std::span<float> values = model_.params().values();
  if (!shared_update_) {
    node_reduction_->fetch_others(values);
    return;
  }
  const float* common = shared_->common().data();
  shared_update_->for_each_chunk_of_others([&](IndexRange chunk) {
    std::copy(common + chunk.begin, common + chunk.end, values.data() + chunk.begin);
  });
}

void Trainer::agree(StepSums& sums, bool stop, bool finite) {
  static_assert(kStepSumCount <= SharedUpdate::kMaxStepSums);
  if (sharded_) {
    // Flags travel as integers: no float is summed by MPI in this mode (the
    // loss and correct sums are global already).
    const int flags = comm_.allreduce_max((stop ? 1 : 0) | (finite ? 0 : 2));
    sums[kStopRequests] = flags & 1;
    sums[kNonFiniteGradientBlocks] = (flags & 2) ? 1 : 0;
    return;
  }
  sums[kStopRequests] = stop ? 1 : 0;
  sums[kNonFiniteGradientBlocks] = finite ? 0 : 1;
  if (shared_update_) {  // the node is every rank: its shared memory carries the sums
    shared_update_->finish_step(*shared_, std::span<double>(sums));
  } else {
    comm_.allreduce_sum(std::span<double>(sums));
  }
}

std::size_t Trainer::eval_chunk_count() const {
  return (data_.test.count + evaluator_.chunk() - 1) / evaluator_.chunk();
}

EvalSums Trainer::evaluate_in_chunks() {
  const Dataset& test = data_.test;
  const std::size_t chunk = evaluator_.chunk(), chunks = eval_chunk_count();
  chunk_sums_.clear();
  const Block mine = block_of(chunks, comm_.rank(), comm_.size());
  for (std::size_t c = mine.begin; c < mine.end; ++c) {
    chunk_sums_.set(c,
                    evaluator_.run(model_, test, c * chunk, std::min((c + 1) * chunk, test.count)));
  }
  return chunk_sums_.gather(comm_, chunks);
}

EvalResult Trainer::evaluate() {
  if (sharded_) return eval_result(evaluate_in_chunks(), data_.test.count, model_);
  const Dataset& test = data_.test;
  const Block rows = block_of(test.count, comm_.rank(), comm_.size());
  const EvalSums local = evaluator_.run(model_, test, rows.begin, rows.end);
  std::array<double, 2> sums{local.loss_sum, local.correct};
  comm_.allreduce_sum(std::span<double>(sums));
  return eval_result({sums[0], sums[1]}, test.count, model_);
}

void Trainer::finish_epoch(const TrainerHooks& hooks, double train_seconds) {
  timers_.restart();
  const auto eval_start = std::chrono::steady_clock::now();
  const EvalResult eval = evaluate();
  const double eval_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - eval_start).count();
  timers_.mark(Phase::kEvaluate);

  EpochMetrics m;
  m.epoch = progress_.epoch + 1;
  m.loss = progress_.loss_sum / progress_.seen;
  m.accuracy = progress_.correct / progress_.seen;
  m.val_loss = eval.loss;
  m.val_accuracy = eval.accuracy;
  m.train_seconds = train_seconds;
  m.eval_seconds = eval_seconds;
  progress_.history.push_back(m);
  progress_.epoch += 1;
  progress_.step_in_epoch = 0;
  progress_.loss_sum = progress_.correct = progress_.seen = 0;

  std::optional<Checkpoint> checkpoint;
  if (checkpoints_.due(progress_, true) && hooks.save_checkpoint) {
    checkpoint = checked_snapshot(hooks);  // collective
  }
  run_collectively(comm_, kExitRuntimeError, [&] {
    if (comm_.rank() != 0) return;
    if (hooks.epoch_end) hooks.epoch_end(m, progress_.history, sampler_.steps_per_epoch());
    if (checkpoint) hooks.save_checkpoint(*checkpoint);
  });
  timers_.mark(Phase::kOutput);
}

Checkpoint Trainer::checked_snapshot(const TrainerHooks& hooks) {
  // Every rank holds the same parameters, so all reach the same verdict. An
  // update can overflow them to infinity from a finite loss and gradient; the
  // next step's loss would stop the run, but such parameters must not replace
  // the last good checkpoint first. (An infinite optimizer slot alone, such as
  // RMSprop's mean square after a huge gradient, is a state training goes on
  // from: it only shrinks the update to zero.)
  if (!all_finite(model_.params().values())) {
    diverge("non-finite parameters after global step " + std::to_string(progress_.global_step),
            hooks);
  }
  return snapshot();
}

void Trainer::save_checkpoint(const TrainerHooks& hooks) {
  if (!hooks.save_checkpoint) return;
  const Checkpoint checkpoint = checked_snapshot(hooks);  // collective
  run_collectively(comm_, kExitRuntimeError, [&] {
    if (comm_.rank() == 0) hooks.save_checkpoint(checkpoint);
  });
  timers_.mark(Phase::kOutput);
}

void Trainer::stop(const TrainerHooks& hooks) {
  const bool checkpointed = checkpoints_.enabled() && hooks.save_checkpoint;
  if (checkpointed) save_checkpoint(hooks);
  if (comm_.rank() == 0 && hooks.stopped) hooks.stopped(progress_, checkpointed);
  throw RunFailure(kExitStopped);
}

void Trainer::run(const TrainerHooks& hooks) {
  while (progress_.epoch < config_.training.epochs) {
    sampler_.set_epoch(progress_.epoch);
    const auto start = std::chrono::steady_clock::now();
    timers_.restart();
    for (std::size_t s = progress_.step_in_epoch; s < sampler_.steps_per_epoch(); ++s) {
      const StepSums sums = train_step(s, hooks);
      if (comm_.rank() == 0 && hooks.step_end)
        hooks.step_end(progress_, sampler_.steps_per_epoch());
      if (sums[kStopRequests] > 0) stop(hooks);
      if (checkpoints_.due(progress_, false)) save_checkpoint(hooks);
    }
    const double train_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    finish_epoch(hooks, train_seconds);
  }
}

}  // namespace mnist_dp
