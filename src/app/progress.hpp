// Keras-style progress on rank 0 (output.verbose): a bar redrawn in place
// during an epoch on a terminal, or one complete line per epoch elsewhere
// (pipes, files, Slurm logs never get carriage returns).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "mnist_dp/config/config.hpp"
#include "mnist_dp/train/training_state.hpp"

namespace mnist_dp {

// Whether this process's stdout reaches a terminal. Open MPI gives its ranks
// a pseudo-terminal even when mpirun's own stdout is a pipe or a file, so a
// rank started by Open MPI asks its launcher's stdout instead.
bool stdout_is_terminal();

// kAuto resolved: kProgressBar on a terminal, kEpochLines otherwise.
Verbosity resolve_verbosity(Verbosity configured, bool terminal);

// "done/total [=====>....] - text", redrawn in place on one terminal line.
class BarLine {
 public:
  explicit BarLine(std::FILE* out) : out_(out) {}
  // Draws at most every 100 ms unless `final`; a final drawing ends the line.
  void draw(std::size_t done, std::size_t total, const std::string& text, bool final);

 private:
  std::FILE* out_;
  std::chrono::steady_clock::time_point last_draw_;
  std::size_t drawn_width_ = 0;  // characters now on the line
};

class ProgressPrinter {
 public:
  // `verbosity` resolved; `epochs` the run's total.
  ProgressPrinter(Verbosity verbosity, std::uint64_t epochs, std::FILE* out);

  // After every step: `progress` holds the epoch's running sums.
  void step(const TrainingProgress& progress, std::size_t steps_per_epoch);
  // After an epoch's evaluation.
  void epoch(const EpochMetrics& metrics, std::size_t steps_per_epoch);

 private:
  using Clock = std::chrono::steady_clock;

  Verbosity verbosity_;
  std::uint64_t epochs_;
  std::FILE* out_;
  BarLine bar_;
  std::uint64_t epoch_shown_ = UINT64_MAX;  // the epoch whose header is printed
  std::size_t first_step_ = 0;              // the epoch's first step this run
  Clock::time_point epoch_start_;
};

// "Epoch 3/20 - 469 steps - 1.21s 2.58ms/step - loss: ... - val_accuracy: ..."
std::string format_epoch_line(const EpochMetrics& m, std::uint64_t total_epochs, std::size_t steps);

}  // namespace mnist_dp
