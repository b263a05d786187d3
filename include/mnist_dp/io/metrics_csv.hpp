// The metrics CSV: one row per epoch of the run's history.
#pragma once

#include <string>
#include <vector>

#include "mnist_dp/train/training_state.hpp"

namespace mnist_dp {

// Writes the whole history (header + one row per epoch) to path, atomically
// (write_file_atomically). Throws IoError naming the path and the reason.
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& history);

}  // namespace mnist_dp
