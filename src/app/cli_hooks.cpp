// The command-line run's trainer hooks.
#include "cli_hooks.hpp"

#include <cstdio>
#include <memory>

#include "mnist_dp/app/stop_signal.hpp"
#include "mnist_dp/io/metrics_csv.hpp"
#include "progress.hpp"

namespace mnist_dp {

TrainerHooks make_cli_hooks(const Config& config, Verbosity verbosity, CheckpointStore& store) {
  TrainerHooks hooks;
  hooks.stop_requested = [] { return stop_requested() != 0; };
  hooks.save_checkpoint = [&store](const Checkpoint& c) { store.save(c); };
  auto progress = std::make_shared<ProgressPrinter>(verbosity, config.training.epochs, stdout);
  hooks.step_end = [progress](const TrainingProgress& p, std::size_t steps) {
    progress->step(p, steps);
  };
  hooks.epoch_end = [progress, metrics = config.output.metrics](
                        const EpochMetrics& epoch, const std::vector<EpochMetrics>& history,
                        std::size_t steps) {
    progress->epoch(epoch, steps);
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
