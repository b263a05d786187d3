// The deterministic mode's promise, on real MNIST through mpirun: the same
// config and seed give byte-identical weights, optimizer state and epoch
// lines at -np 1, 2, 3, 4 and 8; a checkpoint resumed at another rank count
// ends byte-identical to the uninterrupted run. Each comparison is shown
// able to fail: without the mode, -np 1 and -np 2 end with different bytes.
// The same holds with bf16 products.
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <sstream>

#include "e2e_support.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/nn/bf16_products.hpp"

namespace mnist_dp::testing {
namespace {

// Parameters and every optimizer slot, as raw bytes.
std::string state_bytes(const std::string& checkpoint) {
  const Checkpoint c = read_checkpoint(checkpoint);
  std::string bytes(reinterpret_cast<const char*>(c.params.data()), c.params.size() * 4);
  for (const NamedArray& slot : c.optimizer_slots)
    bytes.append(reinterpret_cast<const char*>(slot.values.data()), slot.values.size() * 4);
  return bytes;
}

// The epoch lines without their times ("- 1.23s -").
std::string epoch_lines(const std::string& output) {
  std::istringstream in(output);
  std::string lines;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Epoch ", 0) == 0)
      lines += std::regex_replace(line, std::regex(" - [0-9.]+s [0-9.]+ms/step"), "") + "\n";
  }
  return lines;
}

struct TrainedState {
  std::string state;
  std::string epochs;
};

TrainedState train(int ranks, const std::string& dir, const std::string& extra, int timeout = 300) {
  const CommandResult r =
      run_command(train_command(ranks, extra +
                                           " --set output.checkpoint_every_epochs=0 "
                                           "--set output.checkpoint_dir=" +
                                           dir),
                  timeout);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  if (r.exit_code != 0) return {};
  return {state_bytes(dir + "/latest.h5"), epoch_lines(r.output)};
}

// Two full epochs of configs/mlp512.yaml (dropout on, Adam).
TEST(Determinism, SameBytesAtOneTwoThreeFourAndEightRanks) {
  TempDir dir;
  const std::string two_epochs = "--set training.epochs=2 ";
  const TrainedState reference = train(1, dir.file("np1"), two_epochs + "--deterministic");
  ASSERT_FALSE(reference.state.empty());
  EXPECT_NE(reference.epochs.find("Epoch 2/2"), std::string::npos) << reference.epochs;
  for (int ranks : {2, 3, 4, 8}) {
    const TrainedState run =
        train(ranks, dir.file("np" + std::to_string(ranks)), two_epochs + "--deterministic");
    EXPECT_TRUE(run.state == reference.state)
        << "weights or optimizer state differ at -np " << ranks;
    EXPECT_EQ(run.epochs, reference.epochs) << "at -np " << ranks;
  }
  // The same comparison sees the rounding differences of the plain mode.
  const TrainedState plain1 = train(1, dir.file("plain1"), two_epochs);
  const TrainedState plain2 = train(2, dir.file("plain2"), two_epochs);
  EXPECT_FALSE(plain1.state == plain2.state) << "the plain mode matched across -np: the "
                                                "comparison cannot tell";
}

// bf16 products keep the promise: each shard's rows decide their own
// products, so -np 1, 2 and 3 (shards split unevenly) end byte-identical;
// and they are in use: float32 products end with other bytes.
TEST(Determinism, Bf16ProductsGiveTheSameBytesAtAnyRankCount) {
  if (!bf16_products_available()) GTEST_SKIP() << "this build has no AVX512-BF16";
  TempDir dir;
  const std::string small =
      "--deterministic --set data.train_limit=1280 --set data.test_limit=500 "
      "--set training.epochs=2 ";
  const TrainedState reference = train(1, dir.file("np1"), small + "--set training.precision=bf16");
  ASSERT_FALSE(reference.state.empty());
  for (int ranks : {2, 3}) {
    const TrainedState run = train(ranks, dir.file("np" + std::to_string(ranks)),
                                   small + "--set training.precision=bf16");
    EXPECT_TRUE(run.state == reference.state)
        << "weights or optimizer state differ at -np " << ranks;
    EXPECT_EQ(run.epochs, reference.epochs) << "at -np " << ranks;
  }
  const TrainedState fp32 = train(1, dir.file("fp32"), small);
  EXPECT_FALSE(fp32.state == reference.state) << "bf16 and fp32 products ended with the same bytes";
}

// 1280 images: 10 steps per epoch, 20 in all. Checkpoints taken every 5 steps
// at -np 2 are resumed at -np 1, 3 and 4, mid-epoch and at an epoch end.
TEST(Determinism, ResumeAtAnotherRankCountIsByteIdentical) {
  TempDir dir;
  const std::string small =
      "--deterministic --set data.train_limit=1280 --set data.test_limit=500 "
      "--set training.epochs=2 --set output.checkpoint_every_steps=5 "
      "--set output.keep_checkpoints=10 ";
  const TrainedState straight = train(2, dir.file("a"), small);
  ASSERT_FALSE(straight.state.empty());
  const std::vector<std::pair<int, const char*>> cases = {
      {1, "ckpt-00000015.h5"}, {3, "ckpt-00000005.h5"}, {4, "ckpt-00000010.h5"}};
  for (const auto& [ranks, file] : cases) {
    const std::string out = dir.file("np" + std::to_string(ranks));
    const CommandResult r =
        run_command(mpirun(ranks) + MNIST_DP_BINARY " --resume " + dir.file("a/") + file +
                        " --set output.metrics= --set output.checkpoint_dir=" + out,
                    180);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(state_bytes(out + "/latest.h5") == straight.state)
        << file << " resumed at -np " << ranks << " ended with other bytes";
  }
}

}  // namespace
}  // namespace mnist_dp::testing
