// HDF5 checkpoints: everything needed to continue a run exactly. The first
// 512 bytes (HDF5's user block) hold a seal: a checksum of the whole rest of
// the file, verified before HDF5 parses it. Layout after it (README, "Outputs"):
//   /                attrs format, format_version, seed, epoch, step_in_epoch,
//                    global_step, config (resolved YAML), checksum (of all the
//                    state below and above, verified on load)
//   /model_weights/<layer>/{kernel,bias}   float32, kernel (in, units)
//   /optimizer       attrs name, iterations; datasets one per slot (flat)
//   /progress        partial-epoch sums: loss_sum, correct, seen
//   /history         one float64 dataset per metrics column
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnist_dp/io/metrics.hpp"
#include "mnist_dp/params.hpp"

namespace mnist_dp {

struct NamedArray {
  std::string name;
  std::vector<float> values;
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

// Writes to "<path>.tmp", fsyncs, renames over path. Throws std::runtime_error.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads and verifies (seal, format, shapes, checksum). Throws DataError naming the file.
Checkpoint read_checkpoint(const std::string& path);
// The same for a checkpoint file's bytes in memory; throws std::runtime_error.
Checkpoint read_checkpoint_image(std::span<const std::byte> image);
// Whether the file starts with a checkpoint seal (it may still be corrupt).
bool is_sealed_checkpoint(const std::string& path);

// FNV-1a 64 over everything a checkpoint holds: config, counters, parameters,
// optimizer state, partial epoch sums and history.
std::uint64_t checkpoint_checksum(const Checkpoint& checkpoint);

}  // namespace mnist_dp
