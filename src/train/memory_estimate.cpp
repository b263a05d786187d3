// Per-rank memory estimate of a training run, in doubles so that absurd
// layer sizes cannot overflow the arithmetic.
#include "mnist_dp/train/memory_estimate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "mnist_dp/nn/sparse_input.hpp"
#include "mnist_dp/train/shard_plan.hpp"

namespace mnist_dp {
namespace {

constexpr double kFloat = sizeof(float);
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// First number in a file such as cgroup's memory.max ("max" gives nullopt).
std::optional<double> number_in(const std::string& path) {
  std::ifstream in(path);
  double value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

std::optional<double> machine_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  while (in >> key >> kib) {
    if (key == "MemTotal:") return kib * 1024.0;
    in.ignore(256, '\n');
  }
  return std::nullopt;
}

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / kGiB);
  return text;
}

}  // namespace

std::size_t optimizer_slot_count(const OptimizerSettings& o) {
  switch (o.kind) {
    case OptimizerKind::kAdam:
      return 2;
    case OptimizerKind::kRmsprop:
      return 1;
    case OptimizerKind::kSgd:
      return o.momentum > 0 ? 1 : 0;
  }
  return 2;
}

std::size_t eval_rows_per_pass(const TrainingConfig& training, std::size_t test_count, int ranks) {
  const auto share_of = static_cast<std::size_t>(training.deterministic ? 1 : ranks);
  const std::size_t share = (test_count + share_of - 1) / share_of;
  return std::max<std::size_t>(1, std::min(training.eval_batch_size, share));
}

MemoryEstimate estimate_rank_memory(const Config& config, std::size_t features,
                                    std::size_t train_count, std::size_t test_count,
                                    std::size_t num_classes, int ranks) {
  double params = 0, widths = 0, widest = static_cast<double>(features), dense_inputs = 0;
  double kernel_sizes = 0, dense_widths = 0;  // over Dense layers: in * units, 2 in + units
  double width = static_cast<double>(features);
  for (const LayerSpec& layer : config.model.layers) {
    if (layer.kind == LayerKind::kDense) {
      params += width * static_cast<double>(layer.units) + static_cast<double>(layer.units);
      dense_inputs += width;
      kernel_sizes += width * static_cast<double>(layer.units);
      dense_widths += 2 * width + static_cast<double>(layer.units);
      width = static_cast<double>(layer.units);
    }
    widths += width;
    widest = std::max(widest, width);
  }
  const double p = ranks;
  const auto slots = static_cast<double>(optimizer_slot_count(config.optimizer));
  const double local_batch =
      std::ceil(static_cast<double>(std::min(config.training.batch_size, train_count)) / p);
  const bool deterministic = config.training.deterministic;
  const double rows = std::max(
      local_batch, static_cast<double>(eval_rows_per_pass(config.training, test_count, ranks)));

  MemoryEstimate e;
  // Values and gradients of every parameter; the summed gradient and the
  // optimizer slots of this rank's block (with the shared update, one node's
  // ranks keep the slots of every parameter in shared memory: the same total).
  e.model_bytes = (2 * params + (1 + slots) * params / p) * kFloat;
  // Layer outputs, two gradient buffers of the widest layer, the logits'
  // gradient, dropout masks (at most one per layer), the input batch, and
  // the sparse products' lists (two floats per input of a training batch
  // and of a pass of forward_rows at most).
  const double listed_rows = local_batch + static_cast<double>(kForwardRowsPerPass);
  e.buffer_bytes = (rows * (2 * widths + 2 * widest + static_cast<double>(num_classes + features)) +
                    listed_rows * 2 * dense_inputs) *
                   kFloat;
  // bf16 products: each Dense layer's packed operands (its kernel as pairs of
  // halves, a training batch's input and dz, and the transposed input
  // gradient), 4 bytes per pair or float.
  if (config.training.precision == Precision::kBf16) {
    e.buffer_bytes += (kernel_sizes + local_batch * dense_widths) * kFloat;
  }
  // A checkpoint gathers the full optimizer slots on every rank; rank 0 also
  // holds the checkpoint's copy and the HDF5 image built from it, twice.
  if (!config.output.checkpoint_dir.empty()) {
    e.checkpoint_bytes = (slots + 3 * (1 + slots)) * params * kFloat;
  }
  // Deterministic mode: a gradient buffer per group of shards this rank
  // computes, and this rank's block of the others' pieces.
  if (deterministic) {
    const double shards = std::ceil(static_cast<double>(config.training.batch_size) /
                                    static_cast<double>(kShardRows));
    const double groups = std::ceil(shards / p / static_cast<double>(kGroupShards)) + 2;
    e.model_bytes += (groups + shards / p) * params * kFloat;
  }
  e.data_bytes = static_cast<double>(train_count + test_count) * static_cast<double>(features + 1);
  return e;
}

std::optional<double> memory_limit_bytes() {
  std::optional<double> limit = machine_memory();
  auto lower = [&](std::optional<double> v) {
    if (v && *v > 0 && (!limit || *v < *limit)) limit = v;
  };
  lower(number_in("/sys/fs/cgroup/memory.max"));
  lower(number_in("/sys/fs/cgroup/memory/memory.limit_in_bytes"));
  return limit;
}

void check_memory_fits(const MemoryEstimate& e, int ranks_on_node, double limit_bytes,
                       const std::string& source) {
  const double node_bytes = e.total() * ranks_on_node;
  if (node_bytes <= limit_bytes) return;
  throw ConfigError(source + ": the run needs " + gib(e.total()) + " per rank (model and " +
                    "optimizer " + gib(e.model_bytes) + ", batch buffers " + gib(e.buffer_bytes) +
                    ", checkpointing " + gib(e.checkpoint_bytes) + ") x " +
                    std::to_string(ranks_on_node) + " rank(s) on this node = " + gib(node_bytes) +
                    ", the machine has " + gib(limit_bytes));
}

}  // namespace mnist_dp
