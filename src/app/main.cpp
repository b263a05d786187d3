// mnist_dp entry point: dispatches the tool commands (export, evaluate,
// predict); otherwise starts MPI, reads the CLI and config, loads the data on
// every rank, trains, and turns any failure into the same exit on all ranks.
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string_view>

#include "cli_hooks.hpp"
#include "mnist_dp/app/cli.hpp"
#include "mnist_dp/app/commands.hpp"
#include "mnist_dp/app/stop_signal.hpp"
#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/comm/mpi_communicator.hpp"
#include "mnist_dp/config/config.hpp"
#include "mnist_dp/core/blas.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/output_guard.hpp"
#include "mnist_dp/io/run_lock.hpp"
#include "mnist_dp/train/memory_estimate.hpp"
#include "mnist_dp/train/trainer.hpp"

namespace mnist_dp {
namespace {

// This process's peak resident set size in KiB.
int peak_resident_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int>(usage.ru_maxrss);
}

void print_rank0(const Communicator& comm, const std::string& text) {
  if (comm.rank() != 0) return;
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

// What --resume CKPT|DIR names: a file is read as it is; a directory gives
// its newest checkpoint that loads.
ResumeChoice choose_resume(const std::string& resume) {
  std::error_code ec;
  if (std::filesystem::is_directory(resume, ec)) {
    ResumeChoice choice = choose_resume_checkpoint(resume);
    if (!choice.checkpoint) throw DataError(resume + ": --resume: holds no checkpoint");
    return choice;
  }
  return {resume, read_checkpoint(resume), ""};
}

// The run's outputs never alias its inputs, each other or checkpoints.
void check_output_paths(const CliOptions& cli, const Config& config, const ResumeChoice& resume) {
  OutputGuard guard(cli.overwrite);
  guard.add_input(cli.config);
  guard.add_input(resume.path);
  for (const std::string& file : dataset_files(config.data)) guard.add_input(file);
  guard.add_checkpoint_directory(config.output.checkpoint_dir);
  guard.check_output(config.output.metrics, "output.metrics");
  guard.check_output(cli.profile_json, "--profile-json");
}

// A fresh run never silently replaces the checkpoints of an earlier one.
void refuse_to_replace_checkpoints(const std::string& dir, bool resuming, bool overwrite) {
  if (dir.empty() || resuming || overwrite) return;
  const std::string newest = newest_checkpoint_file(dir);
  if (newest.empty()) return;
  throw UsageError(dir + ": output.checkpoint_dir already holds checkpoints (newest " +
                   std::filesystem::path(newest).filename().string() +
                   "); continue them with --resume auto, or start afresh with --overwrite "
                   "(which replaces them once this run writes its first checkpoint)");
}

int run(Communicator& comm, int argc, char** argv) {
  CliOptions cli;
  run_collectively(comm, kExitUsage, [&] { cli = parse_cli(argc, argv); });
  if (cli.help) {
    print_rank0(comm, cli.help_text);
    return kExitOk;
  }

  // A checkpoint named by --resume comes first: without --config, its config is the run's.
  ResumeChoice resume;
  const bool auto_resume = cli.resume == "auto";
  if (!cli.resume.empty() && !auto_resume) {
    run_collectively(comm, kExitDataError, [&] { resume = choose_resume(cli.resume); });
  }
  Config config;
  run_collectively(comm, kExitUsage, [&] {
    config = cli.config.empty()
                 ? parse_config(resume.checkpoint->config_yaml, resume.path + " (config)", cli.sets)
                 : load_config_file(cli.config, cli.sets);
    if (config.training.batch_size < static_cast<std::size_t>(comm.size())) {
      throw ConfigError("training.batch_size: the global batch (" +
                        std::to_string(config.training.batch_size) + ") is smaller than the " +
                        std::to_string(comm.size()) + " ranks");
    }
    if (auto_resume && config.output.checkpoint_dir.empty()) {
      throw UsageError(
          "--resume auto: output.checkpoint_dir is empty, so there is nothing to "
          "resume from (set it, or leave out --resume)");
    }
  });
  comm.set_collective_timeout(config.training.collective_timeout_s);
  if (auto_resume) {
    run_collectively(comm, kExitDataError,
                     [&] { resume = choose_resume_checkpoint(config.output.checkpoint_dir); });
  }
  if (cli.print_config) {
    print_rank0(comm, to_yaml(config));
    return kExitOk;
  }
  const std::string source = cli.config.empty() ? resume.path + " (config)" : cli.config;

  DatasetPair data;
  run_collectively(comm, kExitDataError, [&] { data = load_datasets(config.data); });
  run_collectively(comm, kExitUsage, [&] {
    const std::optional<double> limit = memory_limit_bytes();
    if (!limit) return;
    check_memory_fits(estimate_rank_memory(config, data.train.features, data.train.count,
                                           data.test.count, data.num_classes, comm.size()),
                      comm.local_size(), *limit, source);
  });

  std::optional<RunLock> lock;
  CheckpointStore store(config.output.checkpoint_dir, config.output.keep_checkpoints,
                        cli.overwrite && !resume.checkpoint);
  // Every output is checked before training; rank 0 writes them all.
  run_collectively(comm, kExitUsage, [&] {
    if (comm.rank() == 0) check_output_paths(cli, config, resume);
  });
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0) return;
    check_output_writable(config.output.metrics, "output.metrics");
    check_output_writable(cli.profile_json, "--profile-json");
    if (config.output.checkpoint_dir.empty()) return;
    store.check_writable();
    lock.emplace(config.output.checkpoint_dir);  // held until the run ends
  });
  run_collectively(comm, kExitUsage, [&] {
    if (comm.rank() == 0) {
      refuse_to_replace_checkpoints(config.output.checkpoint_dir, resume.checkpoint.has_value(),
                                    cli.overwrite);
    }
  });

  const int blas_threads = default_blas_threads(comm.local_size());
  set_blas_threads(blas_threads);
  std::optional<Trainer> trainer;
  run_collectively(comm, kExitUsage, [&] { trainer.emplace(config, to_yaml(config), comm, data); });
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0 || config.output.checkpoint_dir.empty()) return;
    store.check_space(trainer->model().params().size() *
                      (1 + optimizer_slot_count(config.optimizer)));
  });
  if (resume.checkpoint) {
    run_collectively(comm, kExitDataError,
                     [&] { trainer->restore(*resume.checkpoint, resume.path); });
  }
  const std::size_t per_rank = (config.training.batch_size + comm.size() - 1) / comm.size();
  char banner[512];
  std::snprintf(banner, sizeof banner,
                "mnist_dp: %d rank(s) x %d BLAS thread(s); %s: %zu train / %zu test images; "
                "global batch %zu (<= %zu per rank)\n",
                comm.size(), blas_threads, dataset_name(config.data.kind).c_str(), data.train.count,
                data.test.count, config.training.batch_size, per_rank);
  print_rank0(comm, banner + trainer->model().summary());
  if (!resume.remark.empty()) print_rank0(comm, "mnist_dp: " + resume.remark + "\n");
  if (resume.checkpoint) {
    print_rank0(comm, "Resuming from " + resume.path + " at epoch " +
                          std::to_string(resume.checkpoint->progress.epoch + 1) + ", step " +
                          std::to_string(resume.checkpoint->progress.step_in_epoch) + "\n");
  }

  install_stop_signal_handlers();
  trainer->run(make_cli_hooks(config, store));

  const int peak_rss_kib = comm.allreduce_max(peak_resident_kib());
  if (cli.profile) {
    print_rank0(comm, trainer->timers().table() + "peak resident memory: " +
                          std::to_string(peak_rss_kib / 1024) + " MiB (largest rank)\n");
  }
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0 || cli.profile_json.empty()) return;
    std::ostringstream json;
    json << "{\"phases\": " << trainer->timers().json() << ", \"ranks\": " << comm.size()
         << ", \"max_rss_kib\": " << peak_rss_kib << "}\n";
    write_file_atomically(cli.profile_json, json.str(), "profile JSON");
  });
  return kExitOk;
}

}  // namespace
}  // namespace mnist_dp

int main(int argc, char** argv) {
  // Tool commands run without MPI; anything else is training.
  if (argc > 1) {
    const std::string_view command = argv[1];
    if (command == "export") return mnist_dp::run_export_command(argc - 1, argv + 1);
    if (command == "evaluate") return mnist_dp::run_evaluate_command(argc - 1, argv + 1);
    if (command == "predict") return mnist_dp::run_predict_command(argc - 1, argv + 1);
  }
  mnist_dp::MpiCommunicator comm(&argc, &argv);
  try {
    return mnist_dp::run(comm, argc, argv);
  } catch (const mnist_dp::RunFailure& failure) {
    return failure.exit_code();
  }
}
