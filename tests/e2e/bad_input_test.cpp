// Bad input through the real binary at -np 2: one clear error line naming the
// file, key or flag, a non-zero exit, no hang, and earlier output untouched.
#include <gtest/gtest.h>

#include <filesystem>

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
  expect_clean_failure(o, 3, dir.file("fake.h5") + ": not an HDF5 file");
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
