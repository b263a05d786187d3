// Dropout: masks depend only on (seed, step, global position, layer), the
// kept fraction matches the rate, and inference is the identity.
#include "mnist_dp/nn/dropout.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mnist_dp {
namespace {

constexpr std::size_t kWidth = 512;

std::vector<float> run(DropoutLayer& layer, const StepContext& ctx, std::size_t rows) {
  std::vector<float> x(rows * kWidth, 1.0f), y(rows * kWidth);
  layer.forward(ctx, ConstMatrixView{x.data(), rows, kWidth}, MatrixView{y.data(), rows, kWidth});
  return y;
}

TEST(Dropout, MaskDoesNotDependOnHowRowsAreSplit) {
  DropoutLayer whole("d", 0.2f, kWidth, 1, 8), part("d", 0.2f, kWidth, 1, 8);
  const auto all = run(whole, {true, 5, 17, 0}, 8);
  // Rows 5..7 computed separately, as another rank would.
  const auto tail = run(part, {true, 5, 17, 5}, 3);
  EXPECT_EQ(std::vector<float>(all.begin() + 5 * kWidth, all.end()), tail);
}

TEST(Dropout, DifferentStepsGiveDifferentMasks) {
  DropoutLayer layer("d", 0.2f, kWidth, 1, 4);
  EXPECT_NE(run(layer, {true, 5, 1, 0}, 4), run(layer, {true, 5, 2, 0}, 4));
}

TEST(Dropout, KeepsAboutOneMinusRateAndScales) {
  DropoutLayer layer("d", 0.2f, kWidth, 1, 64);
  const auto y = run(layer, {true, 1, 1, 0}, 64);
  std::size_t kept = 0;
  for (float v : y) {
    if (v != 0.0f) {
      ++kept;
      EXPECT_FLOAT_EQ(v, 1.25f);
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / static_cast<double>(y.size()), 0.8, 0.01);
}

TEST(Dropout, InferenceIsIdentity) {
  DropoutLayer layer("d", 0.5f, kWidth, 1, 2);
  const auto y = run(layer, {false, 1, 1, 0}, 2);
  for (float v : y) EXPECT_EQ(v, 1.0f);
}

}  // namespace
}  // namespace mnist_dp
