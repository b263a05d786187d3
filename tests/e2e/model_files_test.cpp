// The model-file commands on a real trained network: Keras export checked by
// h5py + numpy, evaluate agreeing with training's own test accuracy, predict
// on a PNG photo-like digit, and clear errors for bad files.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>

#include <cstdlib>

#include "e2e_support.hpp"
#include "mnist_dp/data/idx_reader.hpp"

namespace mnist_dp::testing {
namespace {

class ModelFiles : public ::testing::Test {
 protected:
  // One small network trained once for the whole suite: 1 epoch on 5120 images.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const CommandResult r =
        run_command(train_command(2,
                                  "--set data.train_limit=5120 --set training.epochs=1 "
                                  "--set output.checkpoint_dir=" +
                                      dir_->file("checkpoints") +
                                      " --set output.metrics=" + dir_->file("metrics.csv")),
                    180);
    // ctest reports tests whose suite set-up failed as skipped: fail each test instead.
    if (r.exit_code != 0) setup_error_ = "training the suite's network failed:\n" + r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }
  static std::string tool(const std::string& args) { return MNIST_DP_BINARY " " + args + " 2>&1"; }

  static TempDir* dir_;
  static std::string setup_error_;
};

TempDir* ModelFiles::dir_ = nullptr;
std::string ModelFiles::setup_error_;

// The value after "label: " on its line of the output, or -1.
double value_after(const std::string& output, const std::string& label) {
  const std::size_t at = output.find(label);
  return at == std::string::npos ? -1.0 : std::atof(output.c_str() + at + label.size());
}

TEST_F(ModelFiles, KerasExportPassesH5pyLayoutAndNumpyPrediction) {
  const std::string model = dir_->file("model.h5"), csv = dir_->file("predictions.csv");
  const std::string images = mnist_dir() + "/t10k-images-idx3-ubyte";
  const CommandResult exported =
      run_command(tool("export --checkpoint " + dir_->file("checkpoints") + " --out " + model), 60);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  const CommandResult predicted = run_command(
      tool("predict --model " + model + " --idx " + images + " --count 300 --csv " + csv), 60);
  ASSERT_EQ(predicted.exit_code, 0) << predicted.output;
  const CommandResult checked =
      run_command("/usr/bin/python3 " MNIST_DP_SOURCE_DIR "/tests/python/check_keras_export.py " +
                      model + " " + csv + " " + images + " 300 2>&1",
                  120);
  std::printf("%s", checked.output.c_str());
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("layout OK"), std::string::npos);
}

TEST_F(ModelFiles, EvaluateMatchesTrainingAndReadsBothFormats) {
  const CommandResult from_checkpoint = run_command(
      tool("evaluate --model " + dir_->file("checkpoints") + " --data " + mnist_dir()), 60);
  ASSERT_EQ(from_checkpoint.exit_code, 0) << from_checkpoint.output;
  const std::string& out = from_checkpoint.output;
  EXPECT_NE(out.find("classified correctly"), std::string::npos) << out;
  EXPECT_NE(out.find("Per-class accuracy:"), std::string::npos) << out;
  EXPECT_NE(out.find("Confusion matrix (rows: truth, columns: predicted):"), std::string::npos);
  // The same weights on the same 10,000 images as training's last evaluation.
  EXPECT_NEAR(value_after(out, "Test accuracy: "), final_val_accuracy(dir_->file("metrics.csv")),
              1e-4);
  EXPECT_GT(value_after(out, "Test accuracy: "), 0.9);

  const std::string model = dir_->file("model_for_evaluate.h5");
  ASSERT_EQ(
      run_command(tool("export --checkpoint " + dir_->file("checkpoints") + " --out " + model), 60)
          .exit_code,
      0);
  const CommandResult from_keras =
      run_command(tool("evaluate --model " + model + " --data " + mnist_dir()), 60);
  ASSERT_EQ(from_keras.exit_code, 0) << from_keras.output;
  EXPECT_EQ(from_keras.output.substr(from_keras.output.find("Test loss")),
            out.substr(out.find("Test loss")));
}

// evaluate --verbose, as Keras's evaluate: on a terminal (under `script`) a
// bar over the 10 batches redrawn in place; piped, one complete line; 0, none.
TEST_F(ModelFiles, EvaluateShowsProgressAsKerasDoes) {
  const std::string evaluate =
      MNIST_DP_BINARY " evaluate --model " + dir_->file("checkpoints") + " --data " + mnist_dir();
  const CommandResult terminal = run_command("script -qec \"" + evaluate + "\" /dev/null", 60);
  ASSERT_EQ(terminal.exit_code, 0) << terminal.output;
  EXPECT_NE(terminal.output.find("\r10/10 [==============================] - "), std::string::npos)
      << terminal.output;
  EXPECT_NE(terminal.output.find("Test accuracy: "), std::string::npos) << terminal.output;
  const CommandResult piped = run_command(evaluate + " 2>&1 | cat", 60);
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_EQ(piped.output.find('\r'), std::string::npos) << piped.output;
  EXPECT_EQ(piped.output.rfind("10/10 batches - ", 0), 0u) << piped.output;
  const CommandResult quiet = run_command(evaluate + " --verbose 0 2>&1", 60);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output.rfind("Model: ", 0), 0u) << quiet.output;
}

// Test image 0 (a 7) as a photo would give it: 3x larger, dark ink on white.
TEST_F(ModelFiles, PredictReadsAPngOfADigit) {
  const IdxImages images = read_idx_images(mnist_dir() + "/t10k-images-idx3-ubyte");
  constexpr int kScale = 3, kSide = 28 * kScale;
  std::vector<unsigned char> png(kSide * kSide);
  for (int y = 0; y < kSide; ++y) {
    for (int x = 0; x < kSide; ++x) {
      png[static_cast<std::size_t>(y * kSide + x)] = static_cast<unsigned char>(
          255 - images.pixels[static_cast<std::size_t>((y / kScale) * 28 + x / kScale)]);
    }
  }
  const std::string path = dir_->file("seven.png");
  ASSERT_NE(stbi_write_png(path.c_str(), kSide, kSide, 1, png.data(), kSide), 0);
  const CommandResult r =
      run_command(tool("predict --model " + dir_->file("checkpoints") + " " + path), 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(path + ": 7 ("), std::string::npos) << r.output;
}

constexpr const char* kHdf5CrashFile =
    MNIST_DP_SOURCE_DIR "/fuzz/crashes/hdf5-keras-attr-exists-heap-overflow.h5";

TEST_F(ModelFiles, BadFilesGiveOneClearError) {
  write_file(dir_->file("not_an_image.png"), "plain text");
  write_file(dir_->file("blank.pgm"), "P5\n4 4\n255\n" + std::string(16, '\xff'));
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"evaluate --model " + dir_->file("missing.h5"), 3, "missing.h5: no such file"},
      {"evaluate --model " + dir_->file("not_an_image.png"), 3, "not an HDF5 file"},
      {"predict --model " + dir_->file("checkpoints") + " " + dir_->file("not_an_image.png"), 3,
       "not_an_image.png: cannot read as an image"},
      {"predict --model " + dir_->file("checkpoints") + " " + dir_->file("blank.pgm"), 3,
       "blank.pgm: no digit found"},
      {"export --checkpoint " + dir_->file("checkpoints"), 2, "--out"},
      {"evaluate --model " + dir_->file("checkpoints") + " --dataset cifar", 2,
       "--dataset: unknown"},
      // HDF5 1.10.8 segfaults on this fuzzer-found Keras file; a child process reads it first.
      {"evaluate --model " + std::string(kHdf5CrashFile), 3, "corrupt HDF5 file"},
      {"predict --model " + std::string(kHdf5CrashFile) + " " + dir_->file("blank.pgm"), 3,
       "corrupt HDF5 file"},
  };
  for (const auto& [args, code, needle] : cases) {
    const CommandResult r = run_command(tool(args), 60);
    EXPECT_EQ(r.exit_code, code) << args << "\n" << r.output;
    const std::vector<std::string> errors = error_lines(r.output);
    ASSERT_EQ(errors.size(), 1u) << args << "\n" << r.output;
    EXPECT_NE(errors[0].find(needle), std::string::npos) << errors[0];
  }
}

// launch/pictures.sh turns the run directory into three PNG pictures.
TEST_F(ModelFiles, PicturesScriptDrawsThreePngs) {
  const CommandResult r = run_command("MNIST_DP_BINARY=" MNIST_DP_BINARY
                                      " bash " MNIST_DP_SOURCE_DIR "/launch/pictures.sh " +
                                          dir_->path() + " --data " + mnist_dir() + " 2>&1",
                                      120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* name : {"learning_curves.png", "examples.png", "confusion.png"}) {
    const std::string png = read_file(dir_->file(std::string("pictures/") + name));
    ASSERT_GT(png.size(), 5000u) << name;
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name;
  }
  EXPECT_NE(read_file(dir_->file("pictures/data/captions.txt")).find("wrong_9 Predicted"),
            std::string::npos);
}

}  // namespace
}  // namespace mnist_dp::testing
