// The training loop. All ranks run the same steps in lockstep; every value
// that decides control flow (loss, progress) is global after a reduction, so
// all ranks take the same branches and none can stop alone.
#include "mnist_dp/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/finite.hpp"
#include "mnist_dp/layers/softmax_cross_entropy.hpp"
#include "mnist_dp/memory_estimate.hpp"
#include "mnist_dp/optim/regularization.hpp"
#include "mnist_dp/stop_signal.hpp"

namespace mnist_dp {
namespace {

std::size_t model_batch_capacity(const Config& config, const GlobalBatchSampler& sampler,
                                 std::size_t test_count, int ranks) {
  return std::max(sampler.max_local_batch(),
                  eval_rows_per_pass(config.training.eval_batch_size, test_count, ranks));
}

}  // namespace

Trainer::Trainer(const Config& config, Communicator& comm, const DatasetPair& data)
    : config_(config),
      config_yaml_(to_yaml(config)),
      comm_(comm),
      data_(data),
      sampler_(data.train.count, config.training.batch_size, config.training.seed, comm.rank(),
               comm.size()),
      model_(config.model, data.train.features, data.num_classes,
             model_batch_capacity(config, sampler_, data.test.count, comm.size())),
      block_(block_of(model_.params().size(), comm.rank(), comm.size())),
      block_grads_(block_.size()),
      optimizer_(make_optimizer(config.optimizer, block_.size())),
      schedule_(config.optimizer, config.training.batch_size, sampler_.steps_per_epoch(),
                config.training.epochs),
      has_l2_(has_l2(model_.params())),
      batch_x_(model_.max_batch() * data.train.features),
      batch_labels_(model_.max_batch()) {
  model_.initialize(config.training.seed);
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
  for (std::size_t i = 0; i < c.optimizer_slots.size(); ++i) {  // this rank's block of each slot
    const auto& full = c.optimizer_slots[i].values;
    std::copy(full.begin() + static_cast<std::ptrdiff_t>(block_.begin),
              full.begin() + static_cast<std::ptrdiff_t>(block_.end), optimizer_->slot(i).begin());
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
    comm_.allgather_blocks(full);
    c.optimizer_slots.push_back({optimizer_->slot_names()[i], std::move(full)});
  }
  // Every rank holds the same parameters, so all reach the same verdict. An
  // update can overflow them to infinity from a finite loss and gradient; the
  // next step's loss would stop the run, but such parameters must not replace
  // the last good checkpoint first. (An infinite optimizer slot alone, such as
  // RMSprop's mean square after a huge gradient, is a state training goes on
  // from: it only shrinks the update to zero.)
  if (!all_finite(c.params)) {
    diverge("non-finite parameters after global step " + std::to_string(progress_.global_step));
  }
  return c;
}

void Trainer::diverge(const std::string& what) const {
  if (comm_.rank() == 0) {
    std::fprintf(stderr, "mnist_dp: error: training diverged: %s; no checkpoint written\n",
                 what.c_str());
  }
  throw RunFailure(kExitDiverged);
}

std::string Trainer::step_name(std::size_t step_in_epoch) const {
  return "epoch " + std::to_string(progress_.epoch + 1) + " step " + std::to_string(step_in_epoch);
}

void Trainer::train_step(std::size_t step_in_epoch) {
  const LocalBatch batch = sampler_.local_batch(step_in_epoch);
  const std::size_t rows = batch.indices.size();
  const MatrixView x{batch_x_.data(), rows, data_.train.features};
  gather_batch(data_.train, batch.indices, x, batch_labels_.data());
  timers_.mark(Phase::kData);

  const StepContext ctx{true, config_.training.seed, progress_.global_step, batch.first_position};
  const ConstMatrixView logits = model_.forward(ctx, x);
  const MatrixView grad_logits = model_.logits_grad_buffer(rows);
  // Each sample's gradient is scaled by 1/(global batch size): the allreduced
  // sum is then the mean gradient over the whole global batch.
  const LossStats stats = softmax_cross_entropy(
      logits, batch_labels_.data(), 1.0f / static_cast<float>(batch.global_count), grad_logits);
  timers_.mark(Phase::kForward);
  model_.backward(x, grad_logits);
  timers_.mark(Phase::kBackward);

  // Each rank receives the summed gradient of its block of the parameters,
  // updates that block, and the blocks are then allgathered.
  comm_.reduce_scatter_sum(model_.params().grads(), block_grads_);
  // Loss, correct count and stop requests travel together, so every rank sees
  // a stop request at the same step.
  // So do the ranks whose block of the summed gradient holds a NaN or an
  // infinity: every rank then stops before the update.
  double step_sums[4] = {stats.loss_sum, static_cast<double>(stats.correct),
                         static_cast<double>(stop_requested()),
                         all_finite(block_grads_) ? 0.0 : 1.0};
  comm_.allreduce_sum(std::span<double>(step_sums));
  stop_agreed_ = step_sums[2] > 0;
  timers_.mark(Phase::kAllreduce);
  if (has_l2_) {  // the same on every rank: it depends only on the shared parameters
    step_sums[0] += l2_penalty(model_.params()) * static_cast<double>(batch.global_count);
    add_l2_gradient(model_.params(), block_grads_, block_.begin);
  }
  if (!std::isfinite(step_sums[0])) diverge("non-finite loss at " + step_name(step_in_epoch + 1));
  if (step_sums[3] > 0) diverge("non-finite gradient at " + step_name(step_in_epoch + 1));
  optimizer_->step(model_.params().values().subspan(block_.begin, block_.size()), block_grads_,
                   schedule_.at(progress_.global_step));
  timers_.mark(Phase::kOptimizer);
  comm_.allgather_blocks(model_.params().values());
  timers_.mark(Phase::kAllreduce);

  progress_.loss_sum += step_sums[0];
  progress_.correct += step_sums[1];
  progress_.seen += static_cast<double>(batch.global_count);
  progress_.global_step += 1;
  progress_.step_in_epoch = step_in_epoch + 1;
}

EvalResult Trainer::evaluate() {
  const Dataset& test = data_.test;
  const auto rank = static_cast<std::size_t>(comm_.rank());
  const auto ranks = static_cast<std::size_t>(comm_.size());
  const std::size_t begin = test.count * rank / ranks;
  const std::size_t end = test.count * (rank + 1) / ranks;
  double sums[2] = {0, 0};
  const StepContext ctx{};  // inference: no dropout
  for (std::size_t first = begin; first < end; first += config_.training.eval_batch_size) {
    const std::size_t rows = std::min(config_.training.eval_batch_size, end - first);
    const MatrixView x{batch_x_.data(), rows, test.features};
    copy_rows(test, first, x, batch_labels_.data());
    const LossStats stats =
        softmax_cross_entropy(model_.forward(ctx, x), batch_labels_.data(), 0.0f, MatrixView{});
    sums[0] += stats.loss_sum;
    sums[1] += static_cast<double>(stats.correct);
  }
  comm_.allreduce_sum(std::span<double>(sums));
  const auto n = static_cast<double>(test.count);
  const double penalty = has_l2_ ? l2_penalty(model_.params()) : 0.0;
  return {sums[0] / n + penalty, sums[1] / n};
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

  const std::size_t every = config_.output.checkpoint_every_epochs;
  const bool last = progress_.epoch == config_.training.epochs;
  const std::size_t every_steps = config_.output.checkpoint_every_steps;
  const bool checkpoint_due = !config_.output.checkpoint_dir.empty() &&
                              (last || (every > 0 && progress_.epoch % every == 0) ||
                               (every_steps > 0 && progress_.global_step % every_steps == 0));
  std::optional<Checkpoint> checkpoint;
  if (checkpoint_due && hooks.save_checkpoint) checkpoint = snapshot();  // collective
  run_collectively(comm_, kExitRuntimeError, [&] {
    if (comm_.rank() != 0) return;
    if (hooks.log) hooks.log(format_epoch_line(m, config_.training.epochs));
    if (!config_.output.metrics.empty())
      write_metrics_csv(config_.output.metrics, progress_.history);
    if (checkpoint) hooks.save_checkpoint(*checkpoint);
  });
  timers_.mark(Phase::kOutput);
}

bool Trainer::mid_epoch_checkpoint_due() const {
  const std::size_t every = config_.output.checkpoint_every_steps;
  // A step that ends an epoch is checkpointed after evaluation instead.
  return every > 0 && !config_.output.checkpoint_dir.empty() &&
         progress_.global_step % every == 0 && progress_.step_in_epoch < sampler_.steps_per_epoch();
}

void Trainer::save_checkpoint(const TrainerHooks& hooks) {
  if (!hooks.save_checkpoint) return;
  const Checkpoint checkpoint = snapshot();  // collective
  run_collectively(comm_, kExitRuntimeError, [&] {
    if (comm_.rank() == 0) hooks.save_checkpoint(checkpoint);
  });
  timers_.mark(Phase::kOutput);
}

void Trainer::stop(const TrainerHooks& hooks) {
  const bool can_save = !config_.output.checkpoint_dir.empty() && hooks.save_checkpoint;
  if (can_save) save_checkpoint(hooks);
  if (comm_.rank() == 0) {
    std::fprintf(stderr, "mnist_dp: error: stopped by a signal after epoch %llu step %llu; %s\n",
                 static_cast<unsigned long long>(progress_.epoch + 1),
                 static_cast<unsigned long long>(progress_.step_in_epoch),
                 can_save ? ("checkpoint written to " + config_.output.checkpoint_dir +
                             "; continue with --resume " + config_.output.checkpoint_dir)
                                .c_str()
                          : "no checkpoint (output.checkpoint_dir is empty)");
  }
  throw RunFailure(kExitStopped);
}

void Trainer::run(const TrainerHooks& hooks) {
  while (progress_.epoch < config_.training.epochs) {
    sampler_.set_epoch(progress_.epoch);
    const auto start = std::chrono::steady_clock::now();
    timers_.restart();
    for (std::size_t s = progress_.step_in_epoch; s < sampler_.steps_per_epoch(); ++s) {
      train_step(s);
      if (stop_agreed_) stop(hooks);
      if (mid_epoch_checkpoint_due()) save_checkpoint(hooks);
    }
    const double train_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    finish_epoch(hooks, train_seconds);
  }
}

}  // namespace mnist_dp
