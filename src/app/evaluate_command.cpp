// `mnist_dp evaluate`: test loss and accuracy of a model or checkpoint, the
// counts right and wrong, per-class accuracy and the confusion matrix;
// optionally the data behind the pictures (launch/pictures.sh).
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "command_support.hpp"
#include "mnist_dp/app/commands.hpp"
#include "mnist_dp/config/config.hpp"
#include "mnist_dp/config/config_keys.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/output_guard.hpp"
#include "mnist_dp/train/evaluation.hpp"
#include "progress.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kBatch = 1000;
constexpr std::size_t kExamplesPerKind = 9;

using Confusion = std::array<std::array<std::size_t, kNumClasses>, kNumClasses>;

struct Example {
  std::size_t index;
  std::size_t predicted;
};

std::size_t argmax(const float* row, std::size_t n) {
  std::size_t best = 0;
  for (std::size_t c = 1; c < n; ++c) {
    if (row[c] > row[best]) best = c;
  }
  return best;
}

void print_report(double loss, const Confusion& confusion, std::size_t total) {
  std::size_t correct = 0;
  for (std::size_t c = 0; c < kNumClasses; ++c) correct += confusion[c][c];
  std::printf("Test loss: %.4f\nTest accuracy: %.4f\n", loss,
              static_cast<double>(correct) / static_cast<double>(total));
  std::printf("%zu classified correctly, %zu incorrectly\n\nPer-class accuracy:\n", correct,
              total - correct);
  for (std::size_t t = 0; t < kNumClasses; ++t) {
    std::size_t n = 0;
    for (std::size_t p = 0; p < kNumClasses; ++p) n += confusion[t][p];
    std::printf("  %zu: %.4f (%zu/%zu)\n", t,
                n ? static_cast<double>(confusion[t][t]) / static_cast<double>(n) : 0.0,
                confusion[t][t], n);
  }
  std::printf("\nConfusion matrix (rows: truth, columns: predicted):\n     ");
  for (std::size_t p = 0; p < kNumClasses; ++p) std::printf("%6zu", p);
  std::printf("\n");
  for (std::size_t t = 0; t < kNumClasses; ++t) {
    std::printf("%5zu", t);
    for (std::size_t p = 0; p < kNumClasses; ++p) std::printf("%6zu", confusion[t][p]);
    std::printf("\n");
  }
}

// The names of the files --examples writes, as example_files gives them.
std::vector<std::string> example_file_names() {
  std::vector<std::string> names{"confusion.csv"};
  for (const char* kind : {"correct", "wrong"}) {
    for (std::size_t k = 1; k <= kExamplesPerKind; ++k)
      names.push_back(std::string(kind) + "_" + std::to_string(k) + ".txt");
  }
  names.push_back("captions.txt");
  return names;
}

// The files --examples writes: confusion.csv, and for 9 right and 9 wrong
// test digits a pixel matrix file plus a caption line in captions.txt
// ("correct_1 Predicted 7, Truth 7"). Name and contents of each.
std::vector<std::pair<std::string, std::string>> example_files(const Dataset& test,
                                                               const Confusion& confusion,
                                                               const std::vector<Example>& right,
                                                               const std::vector<Example>& wrong) {
  std::vector<std::pair<std::string, std::string>> files;
  std::ostringstream csv;
  for (const auto& row : confusion) {
    for (std::size_t p = 0; p < kNumClasses; ++p)
      csv << row[p] << (p + 1 < kNumClasses ? "," : "\n");
  }
  files.emplace_back("confusion.csv", csv.str());
  const auto side = static_cast<std::size_t>(std::lround(std::sqrt(test.features)));
  std::ostringstream captions;
  auto add_digits = [&](const std::vector<Example>& examples, const char* kind) {
    for (std::size_t k = 0; k < examples.size(); ++k) {
      const std::string name = std::string(kind) + "_" + std::to_string(k + 1);
      std::ostringstream out;
      const std::uint8_t* pixels = test.pixels.data() + examples[k].index * test.features;
      for (std::size_t r = 0; r < side; ++r) {
        for (std::size_t c = 0; c < side; ++c) {
          out << static_cast<float>(pixels[r * side + c]) * test.scale
              << (c + 1 < side ? " " : "\n");
        }
      }
      files.emplace_back(name + ".txt", out.str());
      captions << name << " Predicted " << examples[k].predicted << ", Truth "
               << static_cast<int>(test.labels[examples[k].index]) << "\n";
    }
  };
  add_digits(right, "correct");
  add_digits(wrong, "wrong");
  files.emplace_back("captions.txt", captions.str());
  return files;
}

// Keras's evaluate progress over batches of kBatch images: a bar redrawn on a
// terminal (kProgressBar), one line when done (kEpochLines), or nothing.
class BatchProgress {
 public:
  BatchProgress(Verbosity verbosity, std::size_t images)
      : verbosity_(verbosity),
        images_(images),
        batches_((images + kBatch - 1) / kBatch),
        bar_(stdout) {}

  // After image `index` (0-based).
  void image_done(std::size_t index) {
    if (verbosity_ != Verbosity::kProgressBar) return;
    if ((index + 1) % kBatch != 0 && index + 1 != images_) return;
    const std::size_t done = (index + kBatch) / kBatch;
    bar_.draw(done, batches_, timing(done), done == batches_);
  }

  void finish() {
    if (verbosity_ == Verbosity::kEpochLines)
      std::printf("%zu/%zu batches - %s\n", batches_, batches_, timing(batches_).c_str());
  }

 private:
  std::string timing(std::size_t done) const {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    char text[64];
    std::snprintf(text, sizeof text, "%.2fs %.0fms/step", seconds,
                  1e3 * seconds / static_cast<double>(std::max<std::size_t>(done, 1)));
    return text;
  }

  Verbosity verbosity_;
  std::size_t images_;
  std::size_t batches_;
  BarLine bar_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

Verbosity verbosity_option(const std::string& text) {
  const std::optional<Verbosity> v = enum_from_name<Verbosity>(text);
  if (!v) throw UsageError("--verbose: '" + text + "' is not auto, 0, 1 or 2");
  return resolve_verbosity(*v, stdout_is_terminal());
}

}  // namespace

int run_evaluate_command(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string model_path, dataset = "mnist", dir, examples_dir, verbose = "auto";
  bool overwrite = false;
  po::options_description desc(
      "Usage: mnist_dp evaluate --model FILE [--dataset NAME] [--data DIR] [--examples DIR]\n"
      "Test loss, accuracy, per-class accuracy and confusion matrix of a model.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "model", po::value(&model_path)->required(),
      "Keras .h5 model, mnist_dp checkpoint, or checkpoint directory")(
      "dataset", po::value(&dataset), "mnist (default), fashion-mnist or digits8x8")(
      "data", po::value(&dir), "dataset directory (default data/<dataset>)")(
      "examples", po::value(&examples_dir),
      "also write confusion.csv and 9 right and 9 wrong digits here (for launch/pictures.sh)")(
      "verbose", po::value(&verbose),
      "auto|0|1|2: progress over the test set as a bar (1, auto on a terminal), one line "
      "when done (2, auto elsewhere), or none (0)")("overwrite", po::bool_switch(&overwrite),
                                                    "allow --examples to replace checkpoints");
  return run_command_body([&] {
    po::variables_map vm;
    if (!parse_command_line(argc, argv, desc, nullptr, vm)) return;
    DataSettings data_settings;
    try {
      data_settings = dataset_defaults(dataset);
    } catch (const ConfigError& e) {
      throw UsageError(std::string("--dataset: ") + e.what());
    }
    if (!dir.empty()) data_settings.dir = dir;
    const Verbosity verbosity = verbosity_option(verbose);
    if (!examples_dir.empty()) {  // refused before any work, not after
      OutputGuard guard(overwrite);
      guard.add_input(resolve_checkpoint_path(model_path));
      for (const std::string& input : dataset_files(data_settings)) guard.add_input(input);
      for (const std::string& name : example_file_names())
        guard.check_output(examples_dir + "/" + name, "--examples");
    }
    const ModelFile file = load_model_file(model_path);
    const Dataset test = load_datasets(data_settings).test;
    if (test.features != file.input_size) {
      throw DataError(model_path + ": the model takes " + std::to_string(file.input_size) +
                      " inputs but " + dataset + " images have " + std::to_string(test.features));
    }
    const std::unique_ptr<Model> model = build_model(file, kBatch);
    Confusion confusion{};
    std::vector<Example> right, wrong;
    Evaluator evaluator(test.features, kBatch);
    BatchProgress progress(verbosity, test.count);
    const EvalSums sums =
        evaluator.run(*model, test, 0, test.count,
                      [&](std::size_t index, const float* logits, std::uint8_t label) {
                        const std::size_t predicted = argmax(logits, kNumClasses);
                        ++confusion[label][predicted];
                        auto& bucket = predicted == label ? right : wrong;
                        if (bucket.size() < kExamplesPerKind) bucket.push_back({index, predicted});
                        progress.image_done(index);
                      });
    progress.finish();
    std::printf("Model: %s\nTest set: %s, %zu images\n", model_path.c_str(),
                data_settings.dir.c_str(), test.count);
    print_report(eval_result(sums, test.count, *model).loss, confusion, test.count);
    if (examples_dir.empty()) return;
    for (const auto& [name, text] : example_files(test, confusion, right, wrong))
      write_file_atomically(examples_dir + "/" + name, text, "example file");
  });
}

}  // namespace mnist_dp
