// The metrics CSV, written atomically.
#include "mnist_dp/io/metrics_csv.hpp"

#include <cstdio>

#include "mnist_dp/io/atomic_file.hpp"

namespace mnist_dp {

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& history) {
  std::string text = "epoch,loss,accuracy,val_loss,val_accuracy,train_seconds,eval_seconds\n";
  for (const EpochMetrics& m : history) {
    char row[256];
    std::snprintf(row, sizeof row, "%llu,%.6f,%.6f,%.6f,%.6f,%.3f,%.3f\n",
                  static_cast<unsigned long long>(m.epoch), m.loss, m.accuracy, m.val_loss,
                  m.val_accuracy, m.train_seconds, m.eval_seconds);
    text += row;
  }
  write_file_atomically(path, text, "metrics file");
}

}  // namespace mnist_dp
