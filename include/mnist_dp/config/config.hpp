// The run's configuration as plain structs. Each part is the settings struct
// of the room that uses it (ModelSpec for nn/, OptimizerSettings and
// ScheduleSettings for optim/, DataSettings for data/); only config/ reads
// YAML and turns names into their enums. Every key, its type, range, default
// and help live in one table (config_keys.hpp), which drives the reader,
// `--set`, `--print-config` and docs/config.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/nn/layer.hpp"
#include "mnist_dp/nn/model_spec.hpp"
#include "mnist_dp/optim/optimizer.hpp"
#include "mnist_dp/optim/schedule.hpp"

namespace mnist_dp {

// The only loss mnist_dp trains with; both Keras names for it are accepted.
enum class Loss { kCategoricalCrossentropy, kSparseCategoricalCrossentropy };

struct ModelConfig : ModelSpec {
  Loss loss = Loss::kCategoricalCrossentropy;
};

struct OptimizerConfig : OptimizerSettings {
  // Linear scaling rule: when non-zero, learning_rate is the rate for this
  // global batch and the run uses learning_rate * batch_size / base_batch_size.
  std::size_t base_batch_size = 0;
  ScheduleSettings schedule;
};

struct TrainingConfig {
  std::uint64_t seed = 0;
  std::size_t batch_size = 128;  // global, across all ranks
  std::size_t epochs = 20;
  std::size_t eval_batch_size = 1000;
  // A rank that waits this long in a collective for the others aborts the
  // run, naming the ranks that did not arrive (0: wait forever).
  double collective_timeout_s = kDefaultCollectiveTimeoutSeconds;
  // Identical bytes (weights, optimizer state, epoch lines) at any rank
  // count: fixed shards and a fixed reduction order.
  bool deterministic = false;
  // The first Dense layer skips zero inputs when the training images'
  // non-zero fraction is below this (0: never).
  double sparse_input_below = 0.3;
  // A Dense layer of at least 128 units computes its forward product (each
  // row down its own non-zeros) and its weight gradient from the non-zero
  // inputs of a batch whose input is less than these fractions non-zero
  // (0: never). The same bits either way.
  double sparse_forward_below = 0.3;
  double sparse_gradient_below = 0.5;
  // Ranks on one node sum gradients and share parameters through MPI-3
  // shared memory instead of messages.
  bool shared_memory = true;
  // With shared memory, what other cores of the node read next (the
  // gradient rows of their blocks, this rank's updated block) is written
  // with streaming stores, past this core's caches (core/streaming_stores.hpp).
  bool streaming_stores = true;
  // With shared memory on one node in the ordinary mode, the ranks share
  // the optimizer pass by taking chunks as gradients complete
  // (train/shared_update.hpp) instead of each updating a fixed block.
  bool shared_update = true;
  // The dense products of training steps in float32 or bf16 (a build for a
  // CPU with AVX512-BF16 only).
  Precision precision = Precision::kFp32;
};

// What a training run prints (output.verbose, --verbose), as Keras's `verbose`.
enum class Verbosity {
  kAuto,         // kProgressBar on a terminal, kEpochLines otherwise
  kSilent,       // errors only
  kProgressBar,  // a bar redrawn in place during each epoch, then the epoch line
  kEpochLines,   // one line per epoch, with its steps and time per step
};

struct OutputConfig {
  std::string checkpoint_dir;               // empty: no checkpoints
  std::size_t checkpoint_every_epochs = 1;  // 0: only at the end of training
  std::size_t checkpoint_every_steps = 0;   // 0: none within an epoch
  std::size_t keep_checkpoints = 3;         // the newest K checkpoint files are kept
  std::string metrics;                      // CSV path; empty: none
  Verbosity verbose = Verbosity::kAuto;
};

struct Config {
  ModelConfig model;
  OptimizerConfig optimizer;
  DataSettings data;
  TrainingConfig training;
  OutputConfig output;
};

// Parses YAML text. `source` names the file in error messages. Each override
// is "dotted.key=value" (list items by index: model.layers.2.rate=0.3).
// Throws ConfigError naming the source and the dotted key.
Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<std::string>& overrides = {});
// Reads and parses a file; a missing or unreadable file is a ConfigError.
Config load_config_file(const std::string& path, const std::vector<std::string>& overrides = {});
// The resolved config as YAML that parse_config accepts and maps to the same Config.
std::string to_yaml(const Config& config);

// The data settings for a dataset named as in the config ("mnist",
// "fashion-mnist", "digits8x8"): its directory data/<name> and, for
// digits8x8, the recipe's 1000-row training split. ConfigError for an unknown name.
DataSettings dataset_defaults(const std::string& dataset);
// The config name of a dataset ("fashion-mnist").
std::string dataset_name(DatasetKind kind);

}  // namespace mnist_dp
