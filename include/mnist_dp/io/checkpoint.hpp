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

#include "mnist_dp/train/training_state.hpp"

namespace mnist_dp {

// Writes to "<path>.tmp", fsyncs, renames over path. Throws std::runtime_error.
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// The HDF5 library's version, "1.10.8".
std::string hdf5_version();
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
