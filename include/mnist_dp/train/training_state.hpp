// The state of a training run, as plain data with no I/O: where it is
// (progress, per-epoch metrics) and everything a checkpoint must hold to
// continue it exactly. io/checkpoint writes and reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mnist_dp/nn/params.hpp"

namespace mnist_dp {

struct EpochMetrics {
  std::uint64_t epoch = 0;  // 1-based
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0;
  double train_seconds = 0, eval_seconds = 0;
};

struct TrainingProgress {
  std::uint64_t epoch = 0;          // epochs fully completed
  std::uint64_t step_in_epoch = 0;  // steps completed of epoch `epoch` (0-based)
  std::uint64_t global_step = 0;    // optimizer steps taken in the whole run
  double loss_sum = 0;              // train sums so far in the current epoch
  double correct = 0;
  double seen = 0;
  std::vector<EpochMetrics> history;
};

struct NamedArray {
  std::string name;
  std::vector<float> values;
};

struct Checkpoint {
  std::string config_yaml;
  std::uint64_t seed = 0;
  TrainingProgress progress;
  std::vector<ParamTensor> tensors;  // layout of `params`
  std::vector<float> params;
  std::string optimizer_name;
  std::uint64_t optimizer_iterations = 0;
  std::vector<NamedArray> optimizer_slots;
};

}  // namespace mnist_dp
