// Per-epoch metrics, the Keras-style epoch line and the CSV history file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnist_dp {

struct EpochMetrics {
  std::uint64_t epoch = 0;  // 1-based
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0;
  double train_seconds = 0, eval_seconds = 0;
};

// "Epoch 3/20 - 1.21s - loss: 0.0712 - accuracy: 0.9781 - val_loss: ... - val_accuracy: ..."
std::string format_epoch_line(const EpochMetrics& m, std::uint64_t total_epochs);

// Writes the whole history (header + one row per epoch) to path, atomically
// (write_file_atomically). Throws IoError naming the path and the reason.
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& history);

}  // namespace mnist_dp
