// End-to-end training on real MNIST through mpirun: rank-count equivalence,
// exact resume, and the Keras tutorial accuracy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::abs(static_cast<double>(a[i])));
  }
  return diff / scale;
}

// 20 global batches of 128 with dropout on, at several rank counts (3 gives
// uneven local batches of 42/43/43). Any error in how batches, dropout masks
// or gradient scaling are split across ranks shows from the first step. The
// remaining difference is float summation order, ~5e-8 here; somewhere past
// 25-120 steps training amplifies it chaotically (measured; see
// docs/ARCHITECTURE.md), so longer runs cannot be compared this way until the
// reduction order is made independent of the rank count.
TEST(Training, RankCountDoesNotChangeTheModel) {
  TempDir dir;
  const std::string common =
      "--set data.train_limit=2560 --set data.test_limit=500 --set training.epochs=1 "
      "--set output.metrics= --set output.checkpoint=" +
      dir.path() + "/np";
  std::vector<std::vector<float>> params;
  for (int ranks : {1, 2, 3, 4}) {
    const CommandResult r =
        run_command(train_command(ranks, common + std::to_string(ranks) + ".h5"), 180);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    params.push_back(checkpoint_params(dir.path() + "/np" + std::to_string(ranks) + ".h5"));
  }
  for (std::size_t i = 1; i < params.size(); ++i) {
    ASSERT_EQ(params[i].size(), params[0].size());
    EXPECT_LE(max_relative_difference(params[0], params[i]), 1e-5) << "rank-count case " << i;
  }
}

// Two epochs straight equal one epoch, a checkpoint, and a resumed epoch, bit for bit.
TEST(Training, ResumeContinuesBitExactly) {
  TempDir dir;
  const std::string small =
      "--set data.train_limit=3200 --set data.test_limit=500 --set output.metrics= ";
  const CommandResult straight = run_command(
      train_command(2,
                    small + "--set training.epochs=2 --set output.checkpoint=" + dir.file("a.h5")),
      120);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const CommandResult first = run_command(
      train_command(2,
                    small + "--set training.epochs=1 --set output.checkpoint=" + dir.file("b1.h5")),
      120);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const CommandResult resumed =
      run_command(mpirun(2) + MNIST_DP_BINARY " --resume " + dir.file("b1.h5") +
                      " --set training.epochs=2 --set output.checkpoint=" + dir.file("b2.h5"),
                  120);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("Resuming from"), std::string::npos);
  EXPECT_NE(resumed.output.find("Epoch 2/2"), std::string::npos);
  EXPECT_EQ(resumed.output.find("Epoch 1/2"), std::string::npos) << "epoch 1 was trained again";
  const auto a = checkpoint_params(dir.file("a.h5"));
  const auto b1 = checkpoint_params(dir.file("b1.h5"));
  const auto b2 = checkpoint_params(dir.file("b2.h5"));
  EXPECT_NE(a, b1);
  EXPECT_TRUE(a == b2) << "resumed parameters differ from the uninterrupted run";
}

// The Keras tutorial network reaches the tutorial's accuracy (>= 98.0%) in 20 epochs at -np 2.
TEST(Training, Mlp512ReachesKerasTutorialAccuracy) {
  TempDir dir;
  const CommandResult r =
      run_command(train_command(2, "--set output.checkpoint=" + dir.file("ckpt.h5") +
                                       " --set output.metrics=" + dir.file("metrics.csv")),
                  600);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Total params: 669,706"), std::string::npos);
  ASSERT_NE(r.output.find("Epoch 20/20"), std::string::npos) << r.output;
  EXPECT_EQ(metrics_rows(dir.file("metrics.csv")), 20u);
  const double val_accuracy = final_val_accuracy(dir.file("metrics.csv"));
  std::printf("final val_accuracy: %.4f\n", val_accuracy);
  EXPECT_GE(val_accuracy, 0.980);
}

// The scikit-learn digits recipe (SGD with momentum, L2 on every kernel and
// bias, sigmoid) on the real 8x8 digits file reaches the recipe's range.
TEST(Training, Digits8x8RecipeReachesItsRange) {
  TempDir dir;
  const CommandResult r = run_command(
      mpirun(2) +
          MNIST_DP_BINARY " --config " MNIST_DP_SOURCE_DIR
                          "/configs/digits8x8.yaml --set data.dir=" MNIST_DP_SOURCE_DIR
                          "/data/digits8x8 --set output.checkpoint= --set output.metrics=" +
          dir.file("metrics.csv"),
      120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("digits8x8: 1000 train / 797 test images"), std::string::npos)
      << r.output;
  EXPECT_EQ(metrics_rows(dir.file("metrics.csv")), 50u);
  const double val_accuracy = final_val_accuracy(dir.file("metrics.csv"));
  std::printf("digits8x8 final val_accuracy: %.4f\n", val_accuracy);
  EXPECT_GE(val_accuracy, 0.87);
}

}  // namespace
}  // namespace mnist_dp::testing
