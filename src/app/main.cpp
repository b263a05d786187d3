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
#include "mnist_dp/app/version.hpp"
#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/comm/mpi_communicator.hpp"
#include "mnist_dp/config/config.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/output_guard.hpp"
#include "mnist_dp/io/run_lock.hpp"
#include "mnist_dp/nn/dense_products.hpp"
#include "mnist_dp/train/memory_estimate.hpp"
#include "mnist_dp/train/trainer.hpp"
#include "progress.hpp"

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

// The run's config and the checkpoint it continues from. A checkpoint named
// by --resume comes first: without --config, its config is the run's.
struct RunSetup {
  ResumeChoice resume;
  Config config;
  std::string source;  // the config's file, for messages
};

RunSetup read_setup(Communicator& comm, const CliOptions& cli) {
  RunSetup s;
  const bool auto_resume = cli.resume == "auto";
  if (!cli.resume.empty() && !auto_resume) {
    run_collectively(comm, kExitDataError, [&] { s.resume = choose_resume(cli.resume); });
  }
  s.source = cli.config.empty() ? s.resume.path + " (config)" : cli.config;
  run_collectively(comm, kExitUsage, [&] {
    s.config = cli.config.empty()
                   ? parse_config(s.resume.checkpoint->config_yaml, s.source, cli.sets)
                   : load_config_file(cli.config, cli.sets);
    if (s.config.training.batch_size < static_cast<std::size_t>(comm.size())) {
      throw ConfigError("training.batch_size: the global batch (" +
                        std::to_string(s.config.training.batch_size) + ") is smaller than the " +
                        std::to_string(comm.size()) + " ranks");
    }
    if (auto_resume && s.config.output.checkpoint_dir.empty()) {
      throw UsageError(
          "--resume auto: output.checkpoint_dir is empty, so there is nothing to "
          "resume from (set it, or leave out --resume)");
    }
  });
  comm.set_collective_timeout(s.config.training.collective_timeout_s);
  if (auto_resume) {
    run_collectively(comm, kExitDataError,
                     [&] { s.resume = choose_resume_checkpoint(s.config.output.checkpoint_dir); });
  }
  return s;
}

void check_memory(Communicator& comm, const RunSetup& s, const DatasetPair& data) {
  run_collectively(comm, kExitUsage, [&] {
    const std::optional<double> limit = memory_limit_bytes();
    if (!limit) return;
    check_memory_fits(estimate_rank_memory(s.config, data.train.features, data.train.count,
                                           data.test.count, data.num_classes, comm.size()),
                      comm.local_size(), *limit, s.source);
  });
}
// Every output is checked before training; rank 0 writes them all. Rank 0
// takes the checkpoint directory's lock into `lock`, held until the run ends.
// the checkpoint directory's lock (held until the run ends), if there is one.
void prepare_outputs(Communicator& comm, const CliOptions& cli, const RunSetup& s,
                     const CheckpointStore& store, std::optional<RunLock>& lock) {
  const OutputConfig& out = s.config.output;
  run_collectively(comm, kExitUsage, [&] {
    if (comm.rank() == 0) check_output_paths(cli, s.config, s.resume);
  });
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0) return;
    check_output_writable(out.metrics, "output.metrics");
    check_output_writable(cli.profile_json, "--profile-json");
    if (out.checkpoint_dir.empty()) return;
    store.check_writable();
    lock.emplace(out.checkpoint_dir);
  });
  run_collectively(comm, kExitUsage, [&] {
    if (comm.rank() != 0) return;
    refuse_to_replace_checkpoints(out.checkpoint_dir, s.resume.checkpoint.has_value(),
                                  cli.overwrite);
  });
}

// The banner, the model summary and where the run resumes.
void print_start(const Communicator& comm, const RunSetup& s, const DatasetPair& data,
                 const Trainer& trainer) {
  const Config& config = s.config;
  const std::size_t per_rank = trainer.max_local_batch();
  char banner[512];
  std::snprintf(banner, sizeof banner,
                "mnist_dp: %d rank(s), %s products; %s: %zu train / %zu test images; "
                "global batch %zu (<= %zu per rank)%s; %.0f%% of pixels non-zero%s%s\n",
                comm.size(), dense_products_isa(), dataset_name(config.data.kind).c_str(),
                data.train.count, data.test.count, config.training.batch_size, per_rank,
                config.training.deterministic ? "; deterministic (same bytes at any -np)" : "",
                100 * trainer.input_density(),
                trainer.sparse_input() ? ", first layer skips zeros" : "",
                comm.size() > 1 ? ("; reduction: " + trainer.reduction_path()).c_str() : "");
  print_rank0(comm, banner + trainer.model().summary());
  if (!s.resume.remark.empty()) print_rank0(comm, "mnist_dp: " + s.resume.remark + "\n");
  if (s.resume.checkpoint) {
    print_rank0(comm, "Resuming from " + s.resume.path + " at epoch " +
                          std::to_string(s.resume.checkpoint->progress.epoch + 1) + ", step " +
                          std::to_string(s.resume.checkpoint->progress.step_in_epoch) + "\n");
  }
}

// --profile and --profile-json.
void report_profile(Communicator& comm, const CliOptions& cli, const Trainer& trainer) {
  const int peak_rss_kib = comm.allreduce_max(peak_resident_kib());
  if (cli.profile) {
    print_rank0(comm, trainer.timers().table() + "peak resident memory: " +
                          std::to_string(peak_rss_kib / 1024) + " MiB (largest rank)\n");
  }
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0 || cli.profile_json.empty()) return;
    std::ostringstream json;
    json << "{\"phases\": " << trainer.timers().json() << ", \"ranks\": " << comm.size()
         << ", \"max_rss_kib\": " << peak_rss_kib << "}\n";
    write_file_atomically(cli.profile_json, json.str(), "profile JSON");
  });
}

int run(Communicator& comm, int argc, char** argv) {
  CliOptions cli;
  run_collectively(comm, kExitUsage, [&] { cli = parse_cli(argc, argv); });
  if (cli.help) {
    print_rank0(comm, cli.help_text);
    return kExitOk;
  }
  if (cli.version) {
    print_rank0(comm, version_text());
    return kExitOk;
  }
  const RunSetup setup = read_setup(comm, cli);
  const Config& config = setup.config;
  if (cli.print_config) {
    print_rank0(comm, to_yaml(config));
    return kExitOk;
  }
  DatasetPair data;
  run_collectively(comm, kExitDataError, [&] { data = load_datasets(config.data); });
  check_memory(comm, setup, data);
  CheckpointStore store(config.output.checkpoint_dir, config.output.keep_checkpoints,
                        cli.overwrite && !setup.resume.checkpoint);
  std::optional<RunLock> lock;
  prepare_outputs(comm, cli, setup, store, lock);

  std::optional<Trainer> trainer;
  run_collectively(comm, kExitUsage, [&] { trainer.emplace(config, to_yaml(config), comm, data); });
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0 || config.output.checkpoint_dir.empty()) return;
    store.check_space(trainer->model().params().size() *
                      (1 + optimizer_slot_count(config.optimizer)));
  });
  if (setup.resume.checkpoint) {
    run_collectively(comm, kExitDataError,
                     [&] { trainer->restore(*setup.resume.checkpoint, setup.resume.path); });
  }
  // Rank 0 prints, so its stdout decides what "auto" means.
  const Verbosity verbosity = resolve_verbosity(config.output.verbose, stdout_is_terminal());
  if (verbosity != Verbosity::kSilent) print_start(comm, setup, data, *trainer);
  install_stop_signal_handlers();
  trainer->run(make_cli_hooks(config, verbosity, store));
  report_profile(comm, cli, *trainer);
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
