// The bf16 products against sums of their bf16-rounded operands in double
// precision, and their documented properties: a row's output does not
// depend on the other rows of the batch, and accumulating equals adding a
// separately computed gradient. Skipped in builds without AVX512-BF16.
#include "mnist_dp/nn/bf16_products.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "product_test_support.hpp"

namespace mnist_dp {
namespace {

// x rounded to the nearest bfloat16 (ties to even), as a float.
float to_bf16(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  bits = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
  float rounded;
  std::memcpy(&rounded, &bits, sizeof rounded);
  return rounded;
}

// Element (i, j) of a product sums left(i, k) * right(k, j) over k < depth.
// The bf16 product must be within float rounding of that sum over the
// rounded operands, and visibly off the sum over the float operands (so
// the test would notice float products).
template <typename Left, typename Right>
void expect_bf16_sums(const char* what, const std::vector<float>& got, std::size_t rows,
                      std::size_t cols, std::size_t depth, Left left, Right right) {
  double off_float = 0.0;
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      double sum = 0.0, magnitude = 0.0, float_sum = 0.0;
      for (std::size_t k = 0; k < depth; ++k) {
        const double term = double{to_bf16(left(i, k))} * to_bf16(right(k, j));
        sum += term;
        magnitude += std::abs(term);
        float_sum += double{left(i, k)} * right(k, j);
      }
      ASSERT_NEAR(got[i * cols + j], sum, 1e-6 * (1.0 + magnitude))
          << what << " element " << i << ", " << j;
      off_float = std::max(off_float, std::abs(got[i * cols + j] - float_sum));
    }
  }
  EXPECT_GT(off_float, 1e-4) << what << ": no element shows bf16 rounding";
}

class Bf16Shapes : public ::testing::TestWithParam<Shape> {
 protected:
  void SetUp() override {
    if (!bf16_products_available()) GTEST_SKIP() << "this build has no AVX512-BF16";
  }
};

TEST_P(Bf16Shapes, EachProductSumsTheRoundedOperands) {
  const auto [rows, in, units] = GetParam();
  const std::vector<float> x = random_matrix(rows * in, 21, 0.6);
  const std::vector<float> w = random_matrix(in * units, 22);
  const std::vector<float> dz = random_matrix(rows * units, 23);
  Bf16Products bf16;
  std::vector<float> y(rows * units, 7.0f), g(in * units, 7.0f), gi(rows * in, 7.0f);
  bf16.forward({x.data(), rows, in}, {w.data(), in, units}, {y.data(), rows, units});
  bf16.weight_gradient({x.data(), rows, in}, {dz.data(), rows, units}, false,
                       {g.data(), in, units});
  bf16.input_gradient({dz.data(), rows, units}, {w.data(), in, units}, {gi.data(), rows, in});
  const auto x_at = [&](std::size_t r, std::size_t k) { return x[r * in + k]; };
  const auto w_at = [&](std::size_t k, std::size_t c) { return w[k * units + c]; };
  const auto dz_at = [&](std::size_t r, std::size_t c) { return dz[r * units + c]; };
  ASSERT_NO_FATAL_FAILURE(expect_bf16_sums("forward", y, rows, units, in, x_at, w_at));
  ASSERT_NO_FATAL_FAILURE(expect_bf16_sums(
      "weight gradient", g, in, units, rows,
      [&](std::size_t k, std::size_t r) { return x_at(r, k); }, dz_at));
  ASSERT_NO_FATAL_FAILURE(
      expect_bf16_sums("input gradient", gi, rows, in, units, dz_at,
                       [&](std::size_t c, std::size_t k) { return w_at(k, c); }));
}

// Rows past a tile of 8, odd depths (a half-empty last pair), columns past
// a vector of 16 and a strip of 3 vectors.
INSTANTIATE_TEST_SUITE_P(Shapes, Bf16Shapes,
                         ::testing::Values(Shape{1, 784, 512}, Shape{64, 512, 10}, Shape{16, 37, 5},
                                           Shape{33, 50, 16}, Shape{70, 64, 130},
                                           Shape{17, 65, 50}),
                         [](const auto& test) { return shape_name(test.param); });

TEST(Bf16Products, ARowsOutputDoesNotDependOnTheOtherRows) {
  if (!bf16_products_available()) GTEST_SKIP() << "this build has no AVX512-BF16";
  constexpr std::size_t kRows = 45, kIn = 100, kUnits = 140;
  const std::vector<float> x = random_matrix(kRows * kIn, 24, 0.5);
  const std::vector<float> w = random_matrix(kIn * kUnits, 25);
  const std::vector<float> dz = random_matrix(kRows * kUnits, 26);
  Bf16Products bf16;
  std::vector<float> y(kRows * kUnits), gi(kRows * kIn), y1(kUnits), gi1(kIn);
  bf16.forward({x.data(), kRows, kIn}, {w.data(), kIn, kUnits}, {y.data(), kRows, kUnits});
  bf16.input_gradient({dz.data(), kRows, kUnits}, {w.data(), kIn, kUnits}, {gi.data(), kRows, kIn});
  for (std::size_t r = 0; r < kRows; ++r) {
    bf16.forward({x.data() + r * kIn, 1, kIn}, {w.data(), kIn, kUnits}, {y1.data(), 1, kUnits});
    bf16.input_gradient({dz.data() + r * kUnits, 1, kUnits}, {w.data(), kIn, kUnits},
                        {gi1.data(), 1, kIn});
    for (std::size_t c = 0; c < kUnits; ++c) ASSERT_EQ(y1[c], y[r * kUnits + c]) << "row " << r;
    for (std::size_t k = 0; k < kIn; ++k) ASSERT_EQ(gi1[k], gi[r * kIn + k]) << "row " << r;
  }
}

TEST(Bf16Products, AccumulatingEqualsAddingTheGradientComputedApart) {
  if (!bf16_products_available()) GTEST_SKIP() << "this build has no AVX512-BF16";
  constexpr std::size_t kRows = 16, kIn = 60, kUnits = 200;
  const std::vector<float> x = random_matrix(kRows * kIn, 27, 0.3);
  const std::vector<float> dz = random_matrix(kRows * kUnits, 28);
  const std::vector<float> before = random_matrix(kIn * kUnits, 29);
  Bf16Products bf16;
  std::vector<float> apart(kIn * kUnits), accumulated(before);
  bf16.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, false,
                       {apart.data(), kIn, kUnits});
  bf16.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, true,
                       {accumulated.data(), kIn, kUnits});
  for (std::size_t i = 0; i < apart.size(); ++i) {
    ASSERT_EQ(accumulated[i], before[i] + apart[i]) << "element " << i;
  }
}

}  // namespace
}  // namespace mnist_dp
