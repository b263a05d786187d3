// The command-line run's trainer hooks.
#include "cli_hooks.hpp"

#include <cstdio>

#include "mnist_dp/app/stop_signal.hpp"
#include "mnist_dp/io/metrics_csv.hpp"

namespace mnist_dp {

std::string format_epoch_line(const EpochMetrics& m, std::uint64_t total_epochs) {
  char line[256];
  std::snprintf(line, sizeof line,
                "Epoch %llu/%llu - %.2fs - loss: %.4f - accuracy: %.4f - val_loss: %.4f - "
                "val_accuracy: %.4f",
                static_cast<unsigned long long>(m.epoch),
                static_cast<unsigned long long>(total_epochs), m.train_seconds + m.eval_seconds,
                m.loss, m.accuracy, m.val_loss, m.val_accuracy);
  return line;
}

TrainerHooks make_cli_hooks(const Config& config, CheckpointStore& store) {
  TrainerHooks hooks;
  hooks.stop_requested = [] { return stop_requested() != 0; };
  hooks.save_checkpoint = [&store](const Checkpoint& c) { store.save(c); };
  hooks.epoch_end = [epochs = config.training.epochs, metrics = config.output.metrics](
                        const EpochMetrics& epoch, const std::vector<EpochMetrics>& history) {
    std::printf("%s\n", format_epoch_line(epoch, epochs).c_str());
    std::fflush(stdout);
    if (!metrics.empty()) write_metrics_csv(metrics, history);
  };
  hooks.stopped = [dir = config.output.checkpoint_dir](const TrainingProgress& p,
                                                       bool checkpointed) {
    const std::string outcome =
        checkpointed ? "checkpoint written to " + dir + "; continue with --resume " + dir
                     : "no checkpoint (output.checkpoint_dir is empty)";
    std::fprintf(stderr, "mnist_dp: error: stopped by a signal after epoch %llu step %llu; %s\n",
                 static_cast<unsigned long long>(p.epoch + 1),
                 static_cast<unsigned long long>(p.step_in_epoch), outcome.c_str());
  };
  hooks.diverged = [](const std::string& what) {
    std::fprintf(stderr, "mnist_dp: error: training diverged: %s; no checkpoint written\n",
                 what.c_str());
  };
  return hooks;
}

}  // namespace mnist_dp
