// mnist_dp entry point: dispatches the tool commands (export, evaluate,
// predict); otherwise starts MPI, reads the CLI and config, loads the data on
// every rank, trains, and turns any failure into the same exit on all ranks.
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>

#include "mnist_dp/blas.hpp"
#include "mnist_dp/cli.hpp"
#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/comm/mpi_communicator.hpp"
#include "mnist_dp/commands.hpp"
#include "mnist_dp/config.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/stop_signal.hpp"
#include "mnist_dp/trainer.hpp"

namespace mnist_dp {
namespace {

// Fails early, before any training, if an output path cannot be written.
void check_writable(const std::string& path, const char* key) {
  if (path.empty()) return;
  const std::filesystem::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  const std::string probe = path + ".probe";
  std::ofstream out(probe);
  if (!out) throw std::runtime_error(path + ": " + key + ": cannot write to this location");
  out.close();
  std::filesystem::remove(probe, ec);
}

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

int run(Communicator& comm, int argc, char** argv) {
  CliOptions cli;
  run_collectively(comm, kExitUsage, [&] { cli = parse_cli(argc, argv); });
  if (cli.help) {
    print_rank0(comm, cli.help_text);
    return kExitOk;
  }

  // --resume auto: continue from output.checkpoint_dir's latest.h5 when there
  // is one (a requeued job), else start fresh.
  const bool auto_resume = cli.resume == "auto";
  std::optional<Checkpoint> checkpoint;
  std::string resume_path = auto_resume ? "" : resolve_checkpoint_path(cli.resume);
  if (!resume_path.empty()) {
    run_collectively(comm, kExitDataError, [&] { checkpoint = read_checkpoint(resume_path); });
  }
  Config config;
  run_collectively(comm, kExitUsage, [&] {
    config = cli.config.empty()
                 ? parse_config(checkpoint->config_yaml, resume_path + " (config)", cli.sets)
                 : load_config_file(cli.config, cli.sets);
    if (config.training.batch_size < static_cast<std::size_t>(comm.size())) {
      throw ConfigError("training.batch_size: the global batch (" +
                        std::to_string(config.training.batch_size) + ") is smaller than the " +
                        std::to_string(comm.size()) + " ranks");
    }
  });
  comm.set_collective_timeout(config.training.collective_timeout_s);
  if (auto_resume && !config.output.checkpoint_dir.empty()) {
    const std::string latest = resolve_checkpoint_path(config.output.checkpoint_dir);
    std::error_code ec;
    if (std::filesystem::exists(latest, ec)) {
      resume_path = latest;
      run_collectively(comm, kExitDataError, [&] { checkpoint = read_checkpoint(resume_path); });
    }
  }
  if (cli.print_config) {
    print_rank0(comm, to_yaml(config));
    return kExitOk;
  }
  const CheckpointStore store(config.output.checkpoint_dir, config.output.keep_checkpoints);
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0) return;
    if (!config.output.checkpoint_dir.empty()) store.check_writable();
    check_writable(config.output.metrics, "output.metrics");
  });

  const int blas_threads = default_blas_threads(comm.local_size());
  set_blas_threads(blas_threads);
  DatasetPair data;
  run_collectively(comm, kExitDataError, [&] { data = load_datasets(config.data); });

  std::optional<Trainer> trainer;
  run_collectively(comm, kExitUsage, [&] { trainer.emplace(config, comm, data); });
  if (checkpoint) {
    run_collectively(comm, kExitDataError, [&] { trainer->restore(*checkpoint, resume_path); });
  }
  const std::size_t per_rank = (config.training.batch_size + comm.size() - 1) / comm.size();
  char banner[512];
  std::snprintf(banner, sizeof banner,
                "mnist_dp: %d rank(s) x %d BLAS thread(s); %s: %zu train / %zu test images; "
                "global batch %zu (<= %zu per rank)\n",
                comm.size(), blas_threads, config.data.dataset.c_str(), data.train.count,
                data.test.count, config.training.batch_size, per_rank);
  print_rank0(comm, banner + trainer->model().summary());
  if (checkpoint) {
    print_rank0(comm, "Resuming from " + resume_path + " at epoch " +
                          std::to_string(checkpoint->progress.epoch + 1) + ", step " +
                          std::to_string(checkpoint->progress.step_in_epoch) + "\n");
  }

  install_stop_signal_handlers();
  TrainerHooks hooks;
  hooks.log = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  hooks.save_checkpoint = [&](const Checkpoint& c) { store.save(c); };
  trainer->run(hooks);

  const int peak_rss_kib = comm.allreduce_max(peak_resident_kib());
  if (cli.profile) {
    print_rank0(comm, trainer->timers().table() + "peak resident memory: " +
                          std::to_string(peak_rss_kib / 1024) + " MiB (largest rank)\n");
  }
  run_collectively(comm, kExitRuntimeError, [&] {
    if (comm.rank() != 0 || cli.profile_json.empty()) return;
    std::ofstream out(cli.profile_json);
    out << "{\"phases\": " << trainer->timers().json() << ", \"ranks\": " << comm.size()
        << ", \"max_rss_kib\": " << peak_rss_kib << "}\n";
    if (!out) throw std::runtime_error(cli.profile_json + ": cannot write profile JSON");
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
