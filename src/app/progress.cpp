// The progress bar and epoch lines (progress.hpp).
#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace mnist_dp {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

std::string bar(std::size_t done, std::size_t total) {
  const auto filled = static_cast<int>(kBarWidth * done / std::max<std::size_t>(total, 1));
  std::string b(static_cast<std::size_t>(filled), '=');
  if (filled < kBarWidth) b += done == total ? "=" : ">";
  b.resize(kBarWidth, '.');
  return "[" + b + "]";
}

}  // namespace

bool stdout_is_terminal() {
  if (!isatty(STDOUT_FILENO)) return false;
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) return true;
  std::error_code error;
  const auto launcher_out =
      std::filesystem::read_symlink("/proc/" + std::to_string(getppid()) + "/fd/1", error);
  return !error && launcher_out.string().starts_with("/dev/pts/");
}

Verbosity resolve_verbosity(Verbosity configured, bool terminal) {
  if (configured != Verbosity::kAuto) return configured;
  return terminal ? Verbosity::kProgressBar : Verbosity::kEpochLines;
}

std::string format_epoch_line(const EpochMetrics& m, std::uint64_t total_epochs,
                              std::size_t steps) {
  const double seconds = m.train_seconds + m.eval_seconds;
  char line[320];
  std::snprintf(line, sizeof line,
                "Epoch %llu/%llu - %zu steps - %.2fs %.2fms/step - loss: %.4f - accuracy: %.4f - "
                "val_loss: %.4f - val_accuracy: %.4f",
                static_cast<unsigned long long>(m.epoch),
                static_cast<unsigned long long>(total_epochs), steps, seconds,
                1e3 * m.train_seconds / static_cast<double>(std::max<std::size_t>(steps, 1)),
                m.loss, m.accuracy, m.val_loss, m.val_accuracy);
  return line;
}

void BarLine::draw(std::size_t done, std::size_t total, const std::string& text, bool final) {
  const auto now = std::chrono::steady_clock::now();
  if (!final && drawn_width_ > 0 && now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  const std::string line =
      std::to_string(done) + "/" + std::to_string(total) + " " + bar(done, total) + " - " + text;
  // Spaces over whatever a longer earlier drawing left on the line.
  const std::size_t pad = drawn_width_ > line.size() ? drawn_width_ - line.size() : 0;
  std::fprintf(out_, "\r%s%*s%s", line.c_str(), static_cast<int>(pad), "", final ? "\n" : "");
  drawn_width_ = final ? 0 : line.size();
  std::fflush(out_);
}

ProgressPrinter::ProgressPrinter(Verbosity verbosity, std::uint64_t epochs, std::FILE* out)
    : verbosity_(verbosity), epochs_(epochs), out_(out), bar_(out) {}

void ProgressPrinter::step(const TrainingProgress& p, std::size_t steps_per_epoch) {
  if (verbosity_ != Verbosity::kProgressBar) return;
  const auto now = Clock::now();
  if (p.epoch != epoch_shown_) {
    epoch_shown_ = p.epoch;
    first_step_ = p.step_in_epoch - 1;
    epoch_start_ = now;
    std::fprintf(out_, "Epoch %llu/%llu\n", static_cast<unsigned long long>(p.epoch + 1),
                 static_cast<unsigned long long>(epochs_));
  }
  const double elapsed = std::chrono::duration<double>(now - epoch_start_).count();
  const auto run = static_cast<double>(p.step_in_epoch - first_step_);
  const double per_step = elapsed / std::max(run, 1.0);
  const double eta = per_step * static_cast<double>(steps_per_epoch - p.step_in_epoch);
  char text[256];
  std::snprintf(text, sizeof text, "%.0fs %.0fms/step - ETA: %.0fs - loss: %.4f - accuracy: %.4f",
                elapsed, 1e3 * per_step, eta, p.loss_sum / std::max(p.seen, 1.0),
                p.correct / std::max(p.seen, 1.0));
  bar_.draw(p.step_in_epoch, steps_per_epoch, text, false);
}

void ProgressPrinter::epoch(const EpochMetrics& m, std::size_t steps_per_epoch) {
  if (verbosity_ == Verbosity::kSilent) return;
  if (verbosity_ == Verbosity::kEpochLines) {
    std::fprintf(out_, "%s\n", format_epoch_line(m, epochs_, steps_per_epoch).c_str());
  } else {
    char text[320];
    std::snprintf(
        text, sizeof text,
        "%.0fs %.0fms/step - loss: %.4f - accuracy: %.4f - val_loss: %.4f - val_accuracy: %.4f",
        m.train_seconds + m.eval_seconds,
        1e3 * m.train_seconds / static_cast<double>(std::max<std::size_t>(steps_per_epoch, 1)),
        m.loss, m.accuracy, m.val_loss, m.val_accuracy);
    bar_.draw(steps_per_epoch, steps_per_epoch, text, true);
  }
  std::fflush(out_);
}

}  // namespace mnist_dp
