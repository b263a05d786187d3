// The run's configuration as plain structs: loaded from YAML, changed by
// `--set key=value` overrides, validated, and written back as resolved YAML.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/layers/activation.hpp"

namespace mnist_dp {

// A bad config file, key or value; the message names the file and the key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class LayerType { kDense, kActivation, kDropout };

struct LayerConfig {
  LayerType type = LayerType::kDense;
  std::size_t units = 0;                        // dense
  Activation activation = Activation::kLinear;  // dense, activation
  float rate = 0.0f;                            // dropout
  float kernel_l2 = 0.0f;  // dense: adds kernel_l2 * sum(kernel^2) to the loss (Keras l2)
  float bias_l2 = 0.0f;    // dense: adds bias_l2 * sum(bias^2) to the loss
};

struct ModelConfig {
  std::vector<LayerConfig> layers;
};

// The learning rate as a function of the step (see optim/schedule.hpp).
struct ScheduleConfig {
  std::string type = "constant";   // constant | step | cosine
  double warmup_epochs = 0;        // linear ramp from ~0 to the full rate over these epochs
  double drop_every_epochs = 0;    // step: multiply by drop_factor every this many epochs
  double drop_factor = 0.1;        // step
  double final_learning_rate = 0;  // cosine: the rate the decay ends at
};

struct OptimizerConfig {
  std::string name = "adam";  // adam | sgd | rmsprop
  double learning_rate = 1e-3;
  double beta_1 = 0.9;    // adam
  double beta_2 = 0.999;  // adam
  double epsilon = 1e-7;  // adam, rmsprop
  double rho = 0.9;       // rmsprop
  double momentum = 0.0;  // sgd
  bool nesterov = false;  // sgd
  // Linear scaling rule: when non-zero, learning_rate is the rate for this
  // global batch and the run uses learning_rate * batch_size / base_batch_size.
  std::size_t base_batch_size = 0;
  ScheduleConfig schedule;
};

struct DataConfig {
  std::string dataset = "mnist";  // mnist | fashion-mnist | digits8x8
  std::string dir;                // default: data/<dataset>
  std::size_t train_split = 0;    // digits8x8: the first N rows train, the rest test
  std::size_t train_limit = 0;    // use only the first N training images (0: all)
  std::size_t test_limit = 0;     // use only the first N test images (0: all)
};

struct TrainingConfig {
  std::uint64_t seed = 0;
  std::size_t batch_size = 128;  // global, across all ranks
  std::size_t epochs = 20;
  std::size_t eval_batch_size = 1000;
  // A rank that waits this long in a collective for the others aborts the
  // run, naming the ranks that did not arrive (0: wait forever).
  double collective_timeout_s = kDefaultCollectiveTimeoutSeconds;
};

struct OutputConfig {
  std::string checkpoint_dir;               // empty: no checkpoints
  std::size_t checkpoint_every_epochs = 1;  // 0: only at the end of training
  std::size_t checkpoint_every_steps = 0;   // 0: none within an epoch
  std::size_t keep_checkpoints = 3;         // the newest K checkpoint files are kept
  std::string metrics;                      // CSV path; empty: none
};

struct Config {
  ModelConfig model;
  OptimizerConfig optimizer;
  DataConfig data;
  TrainingConfig training;
  OutputConfig output;
};

// The defaults for a named dataset: dir data/<name>, and for digits8x8 the
// recipe's 1000-row training split. ConfigError for an unknown name.
DataConfig dataset_defaults(const std::string& dataset);

// Parses YAML text. `source` names the file in error messages. Each override
// is "dotted.key=value" (list items by index: model.layers.2.rate=0.3).
Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<std::string>& overrides = {});
// Reads and parses a file; a missing or unreadable file is a ConfigError.
Config load_config_file(const std::string& path, const std::vector<std::string>& overrides = {});
// The resolved config as YAML that parse_config accepts and maps to the same Config.
std::string to_yaml(const Config& config);

}  // namespace mnist_dp
