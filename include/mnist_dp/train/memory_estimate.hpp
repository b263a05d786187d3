// How much memory a training run needs per rank, computed from the config and
// the loaded data before the model, optimizer or batch buffers are allocated,
// so that a run that cannot fit is refused with one line instead of an
// allocation failure or the kernel's OOM killer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "mnist_dp/config/config.hpp"

namespace mnist_dp {

struct MemoryEstimate {
  double model_bytes = 0;       // parameters, gradients, this rank's optimizer state
  double buffer_bytes = 0;      // activations and batch buffers
  double checkpoint_bytes = 0;  // the gathered state and file image while checkpointing
  double data_bytes = 0;        // the loaded training and test images
  double total() const { return model_bytes + buffer_bytes + checkpoint_bytes + data_bytes; }
};

// Per-parameter state the optimizer keeps: Adam 2, RMSprop 1, SGD 1 with momentum.
std::size_t optimizer_slot_count(const OptimizerSettings& optimizer);

// Rows of one evaluation pass: training.eval_batch_size, capped at a rank's
// share of the test set; in the deterministic mode at the whole test set,
// so that the passes (fixed chunks) do not depend on the rank count.
std::size_t eval_rows_per_pass(const TrainingConfig& training, std::size_t test_count, int ranks);

MemoryEstimate estimate_rank_memory(const Config& config, std::size_t features,
                                    std::size_t train_count, std::size_t test_count,
                                    std::size_t num_classes, int ranks);

// The memory the ranks of this node may use: the machine's RAM or, when
// lower, the cgroup's limit; nullopt if neither can be read.
std::optional<double> memory_limit_bytes();

// Throws ConfigError "<source>: the run needs ..., the machine has ..." when
// `ranks_on_node` ranks of `estimate` do not fit in `limit_bytes`.
void check_memory_fits(const MemoryEstimate& estimate, int ranks_on_node, double limit_bytes,
                       const std::string& source);

}  // namespace mnist_dp
