// Which products a Dense layer's weight gradient runs on. Below
// training.sparse_gradient_below non-zero inputs (and with at least
// kSparseGradientMinUnits units) it takes the sparse-input kernel; the bits
// equal the dense products'. The path taken is seen through a NaN in dz: the
// dense products multiply it by an all-zero input column's zeros (NaN), the
// sparse kernel never visits that column (zero).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mnist_dp/nn/dense.hpp"
#include "product_test_support.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kRows = 16, kIn = 64;
constexpr std::size_t kZeroColumn = 5;

struct Gradients {
  std::vector<float> params;  // the flat gradient buffer: kernel, then bias
  std::vector<float> input;
};

// One backward pass of a linear Dense layer with `units` units, given the
// threshold, over an input 30% non-zero whose column kZeroColumn is all zero.
Gradients backward_with(std::size_t units, double below, bool nan_in_dz) {
  ParameterBuffer params;
  DenseSettings settings;
  settings.units = units;
  DenseLayer dense("dense", settings, kIn, params);
  params.allocate();
  dense.initialize(3, 0);
  dense.set_sparse_gradient_below(below, kRows);
  std::vector<float> x = random_matrix(kRows * kIn, 11, 0.3);
  for (std::size_t r = 0; r < kRows; ++r) x[r * kIn + kZeroColumn] = 0.0f;
  std::vector<float> y(kRows * units), dz = random_matrix(kRows * units, 12);
  if (nan_in_dz) dz[2 * units + 1] = std::numeric_limits<float>::quiet_NaN();
  Gradients g{{}, std::vector<float>(kRows * kIn)};
  dense.forward(StepContext{}, {x.data(), kRows, kIn}, {y.data(), kRows, units});
  dense.backward({x.data(), kRows, kIn}, {y.data(), kRows, units}, {dz.data(), kRows, units},
                 {g.input.data(), kRows, kIn});
  g.params.assign(params.grads().begin(), params.grads().end());
  return g;
}

// Element (kZeroColumn, 1) of the kernel's gradient: where the NaN shows.
float zero_column_gradient(const Gradients& g, std::size_t units) {
  return g.params[kZeroColumn * units + 1];
}

TEST(DenseLayerWeightGradient, SkipsZeroInputsBelowTheThreshold) {
  constexpr std::size_t kUnits = DenseLayer::kSparseGradientMinUnits;
  EXPECT_EQ(zero_column_gradient(backward_with(kUnits, 0.5, true), kUnits), 0.0f);
  EXPECT_TRUE(std::isnan(zero_column_gradient(backward_with(kUnits, 0.2, true), kUnits)))
      << "an input 30% non-zero is not below 0.2";
  EXPECT_TRUE(std::isnan(zero_column_gradient(backward_with(kUnits, 0.0, true), kUnits)))
      << "0 means never";
  constexpr std::size_t kNarrow = DenseLayer::kSparseGradientMinUnits - 1;
  EXPECT_TRUE(std::isnan(zero_column_gradient(backward_with(kNarrow, 0.5, true), kNarrow)))
      << "a layer narrower than kSparseGradientMinUnits keeps the dense products";
}

TEST(DenseLayerWeightGradient, BothPathsGiveTheSameBits) {
  constexpr std::size_t kUnits = DenseLayer::kSparseGradientMinUnits + 30;
  const Gradients sparse = backward_with(kUnits, 0.5, false);
  const Gradients dense = backward_with(kUnits, 0.0, false);
  ASSERT_EQ(sparse.params.size(), dense.params.size());
  for (std::size_t i = 0; i < sparse.params.size(); ++i) {
    ASSERT_EQ(std::signbit(sparse.params[i]), std::signbit(dense.params[i])) << "parameter " << i;
    ASSERT_EQ(sparse.params[i], dense.params[i]) << "parameter " << i;
  }
  EXPECT_EQ(sparse.input, dense.input);
}

}  // namespace
}  // namespace mnist_dp
