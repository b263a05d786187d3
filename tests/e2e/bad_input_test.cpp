// Bad input through the real binary at -np 2: one clear error line naming the
// file, key or flag, a non-zero exit, no hang, and earlier output untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <ostream>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

namespace fs = std::filesystem;

// A data directory linking the real MNIST files, with one file replaced.
void make_data_dir(const TempDir& dir, const std::string& replaced, const std::string* bytes) {
  for (const char* f : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    if (f == replaced) {
      if (bytes) write_file(dir.file(f), *bytes);
    } else {
      fs::create_symlink(mnist_dir() + "/" + f, dir.file(f));
    }
  }
}

struct Outcome {
  CommandResult result;
  std::vector<std::string> errors;
};

Outcome run_failing(const std::string& command) {
  Outcome o{run_command(command, 60), {}};
  o.errors = error_lines(o.result.output);
  return o;
}

void expect_clean_failure(const Outcome& o, int exit_code, const std::string& needle) {
  EXPECT_EQ(o.result.exit_code, exit_code) << o.result.output;  // 124 would mean a hang
  ASSERT_EQ(o.errors.size(), 1u) << o.result.output;
  EXPECT_NE(o.errors[0].find(needle), std::string::npos) << o.errors[0];
  EXPECT_EQ(o.result.output.find("core dumped"), std::string::npos) << o.result.output;
  EXPECT_EQ(o.result.output.find("Epoch 1/"), std::string::npos) << "training started";
}

// Idx image file bytes: count images of rows x cols, all zero.
std::string idx_images(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  auto be32 = [](std::uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  return be32(0x803) + be32(count) + be32(rows) + be32(cols) +
         std::string(static_cast<std::size_t>(count) * rows * cols, '\0');
}

// One more bad input. `args` builds the extra mnist_dp arguments (it may make
// files in `dir`); `needle` must appear in the single error line.
struct CatalogueCase {
  const char* name;
  std::function<std::string(const TempDir& dir)> args;
  int exit_code;
  std::function<std::string(const TempDir& dir)> needle;
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const CatalogueCase& c, std::ostream* os) { *os << c.name; }

class BadInputCatalogue : public ::testing::TestWithParam<CatalogueCase> {};

// Every case also runs with an earlier metrics file and checkpoint directory in
// place, and checks that the failed run left both exactly as they were.
TEST_P(BadInputCatalogue, FailsCleanlyAndKeepsEarlierOutputs) {
  TempDir dir, out;
  write_file(out.file("metrics.csv"), "earlier run\n");
  fs::create_directories(out.file("ckpt"));
  write_file(out.file("ckpt/ckpt-00000001.h5"), "earlier checkpoint");
  const std::string outputs = " --set output.metrics=" + out.file("metrics.csv") +
                              " --set output.checkpoint_dir=" + out.file("ckpt") + " ";
  const Outcome o = run_failing(train_command(2, outputs + GetParam().args(dir)));
  expect_clean_failure(o, GetParam().exit_code, GetParam().needle(dir));
  EXPECT_EQ(read_file(out.file("metrics.csv")), "earlier run\n");
  EXPECT_EQ(read_file(out.file("ckpt/ckpt-00000001.h5")), "earlier checkpoint");
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(out.file("ckpt"))) ++files;
  EXPECT_EQ(files, 1u) << "the failed run wrote into the checkpoint directory";
}

// A data directory with one real file replaced by `bytes`; returns its --set.
std::string data_with(const TempDir& dir, const char* file, const std::string& bytes) {
  make_data_dir(dir, file, &bytes);
  return "--set data.dir=" + dir.path();
}

std::string fixed(const char* text) { return text; }

INSTANTIATE_TEST_SUITE_P(
    Cases, BadInputCatalogue,
    ::testing::Values(
        CatalogueCase{"EmptyIdxFile",
                      [](const TempDir& d) { return data_with(d, "train-labels-idx1-ubyte", ""); },
                      3,
                      [](const TempDir& d) {
                        return d.file("train-labels-idx1-ubyte") + ": truncated header";
                      }},
        CatalogueCase{"ImageLabelCountMismatch",
                      [](const TempDir& d) {
                        // A valid label file of 9999 labels beside 10000 images.
                        const std::string labels =
                            read_file(mnist_dir() + "/t10k-labels-idx1-ubyte");
                        return data_with(d, "t10k-labels-idx1-ubyte",
                                         labels.substr(0, 4) + std::string("\0\0\x27\x0f", 4) +
                                             labels.substr(8, 9999));
                      },
                      3, [](const TempDir&) { return fixed("9999 labels but"); }},
        CatalogueCase{
            "LabelOutOfRange",
            [](const TempDir& d) {
              std::string labels = read_file(mnist_dir() + "/t10k-labels-idx1-ubyte");
              labels[100] = 12;
              return data_with(d, "t10k-labels-idx1-ubyte", labels);
            },
            3, [](const TempDir&) { return fixed("label 12 at index 92 is out of range 0..9"); }},
        CatalogueCase{"WrongImageSize",
                      [](const TempDir& d) {
                        return data_with(d, "t10k-images-idx3-ubyte", idx_images(10000, 27, 27));
                      },
                      3, [](const TempDir&) { return fixed("images are 27x27, expected 28x28"); }},
        CatalogueCase{
            "WrongType", [](const TempDir&) { return fixed("--set training.epochs=many"); }, 2,
            [](const TempDir&) { return fixed("training.epochs: must be a positive integer"); }},
        CatalogueCase{
            "ZeroBatch", [](const TempDir&) { return fixed("--set training.batch_size=0"); }, 2,
            [](const TempDir&) { return fixed("training.batch_size: must be a positive"); }},
        CatalogueCase{"ZeroEpochs", [](const TempDir&) { return fixed("--set training.epochs=0"); },
                      2,
                      [](const TempDir&) { return fixed("training.epochs: must be a positive"); }},
        CatalogueCase{
            "ZeroLearningRate",
            [](const TempDir&) { return fixed("--set optimizer.learning_rate=0"); }, 2,
            [](const TempDir&) { return fixed("optimizer.learning_rate: must be in (0"); }},
        CatalogueCase{
            "DropoutRateAboveOne",
            [](const TempDir&) { return fixed("--set model.layers.1.rate=1.5"); }, 2,
            [](const TempDir&) { return fixed("model.layers.1.rate: must be in [0, 1)"); }},
        CatalogueCase{"UnknownActivation",
                      [](const TempDir&) { return fixed("--set model.layers.0.activation=gelu"); },
                      2, [](const TempDir&) { return fixed("unknown activation 'gelu'"); }},
        CatalogueCase{"UnknownOptimizer",
                      [](const TempDir&) { return fixed("--set optimizer.name=adamw"); }, 2,
                      [](const TempDir&) { return fixed("unknown optimizer 'adamw'"); }},
        CatalogueCase{
            "UnknownDataset", [](const TempDir&) { return fixed("--set data.dataset=cifar10"); }, 2,
            [](const TempDir&) { return fixed("data.dataset: unknown dataset 'cifar10'"); }},
        CatalogueCase{"CorruptCheckpointGivenToResume",
                      [](const TempDir& d) {
                        // A real checkpoint with bytes flipped in its parameter data.
                        const std::string made = d.file("made");
                        const CommandResult r = run_command(
                            train_command(1,
                                          "--set data.train_limit=256 --set data.test_limit=100 "
                                          "--set training.epochs=1 --set output.metrics= "
                                          "--set output.checkpoint_dir=" +
                                              made),
                            60);
                        std::string bytes = read_file(made + "/latest.h5");
                        for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i)
                          bytes[i] ^= 0x5a;
                        write_file(d.file("corrupt.h5"), bytes);
                        return r.exit_code == 0 ? "--resume " + d.file("corrupt.h5")
                                                : std::string("--never");
                      },
                      3, [](const TempDir& d) { return d.file("corrupt.h5") + ": "; }}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(BadInput, MissingIdxFileLeavesEarlierMetricsUntouched) {
  TempDir data, out;
  make_data_dir(data, "t10k-labels-idx1-ubyte", nullptr);
  write_file(out.file("metrics.csv"), "earlier run\n");
  const Outcome o =
      run_failing(train_command(2, "--set data.dir=" + data.path() + " --set output.metrics=" +
                                       out.file("metrics.csv") + " --set output.checkpoint_dir="));
  expect_clean_failure(o, 3, data.file("t10k-labels-idx1-ubyte") + ": no such file");
  EXPECT_EQ(read_file(out.file("metrics.csv")), "earlier run\n");
}

TEST(BadInput, CorruptIdxMagic) {
  TempDir data;
  std::string bytes = read_file(mnist_dir() + "/t10k-labels-idx1-ubyte");
  bytes[3] = 0x03;
  make_data_dir(data, "t10k-labels-idx1-ubyte", &bytes);
  const Outcome o = run_failing(train_command(2, "--set data.dir=" + data.path()));
  expect_clean_failure(o, 3, data.file("t10k-labels-idx1-ubyte") + ": bad magic number");
}

TEST(BadInput, TruncatedIdx) {
  TempDir data;
  const std::string bytes = read_file(mnist_dir() + "/t10k-images-idx3-ubyte").substr(0, 5000);
  make_data_dir(data, "t10k-images-idx3-ubyte", &bytes);
  const Outcome o = run_failing(train_command(2, "--set data.dir=" + data.path()));
  expect_clean_failure(o, 3, data.file("t10k-images-idx3-ubyte") + ": truncated");
}

TEST(BadInput, UnknownConfigKey) {
  TempDir dir;
  write_file(dir.file("c.yaml"),
             read_file(MNIST_DP_SOURCE_DIR "/configs/mlp512.yaml") + "extra_key: 1\n");
  const Outcome o = run_failing(mpirun(2) + MNIST_DP_BINARY " --config " + dir.file("c.yaml"));
  expect_clean_failure(o, 2, dir.file("c.yaml") + ": extra_key: unknown key");
}

TEST(BadInput, BadValueThroughSet) {
  const Outcome o = run_failing(train_command(2, "--set optimizer.learning_rate=-1"));
  expect_clean_failure(o, 2, "optimizer.learning_rate: must be in (0");
}

TEST(BadInput, UnknownCliFlag) {
  const Outcome o = run_failing(train_command(2, "--frobnicate"));
  expect_clean_failure(o, 2, "frobnicate");
}

TEST(BadInput, GlobalBatchSmallerThanRanks) {
  const Outcome o = run_failing(train_command(2, "--set training.batch_size=1"));
  expect_clean_failure(o, 2,
                       "training.batch_size: the global batch (1) is smaller than the 2 ranks");
}

TEST(BadInput, ForeignFileGivenToResume) {
  TempDir dir;
  write_file(dir.file("fake.h5"), "this is not a checkpoint");
  const Outcome o = run_failing(train_command(2, "--resume " + dir.file("fake.h5")));
  expect_clean_failure(o, 3, dir.file("fake.h5") + ": not a sealed mnist_dp checkpoint");
}

TEST(BadInput, CheckpointOfAnotherNetworkShape) {
  TempDir dir;
  const CommandResult made = run_command(
      train_command(1,
                    "--set data.train_limit=256 --set data.test_limit=100 --set training.epochs=1 "
                    "--set model.layers.0.units=64 --set output.metrics= "
                    "--set output.checkpoint_dir=" +
                        dir.file("small")),
      60);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const Outcome o = run_failing(train_command(2, "--resume " + dir.file("small")));
  expect_clean_failure(o, 3, "checkpoint does not match the configured network");
}

TEST(BadInput, UnwritableCheckpointDirectory) {
  const Outcome o =
      run_failing(train_command(2, "--set output.checkpoint_dir=/proc/mnist_dp/ckpts"));
  expect_clean_failure(o, 1, "/proc/mnist_dp/ckpts: output.checkpoint_dir: cannot create or write");
}

TEST(BadInput, MissingConfigFile) {
  const Outcome o = run_failing(mpirun(2) + MNIST_DP_BINARY " --config /nonexistent.yaml");
  expect_clean_failure(o, 2, "/nonexistent.yaml: cannot open config file");
}

}  // namespace
}  // namespace mnist_dp::testing
