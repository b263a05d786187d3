// The dense kernels against their definition: every output element is one
// chain of fused multiply-adds over k in ascending order starting from zero
// (std::fma in a scalar loop gives the same bits), whatever the tiling, the
// k blocking, the column tail or the rows around it; accumulating adds that
// chain's result.
#include "mnist_dp/nn/dense_products.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "product_test_support.hpp"

namespace mnist_dp {
namespace {

class DenseProductShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(DenseProductShapes, EachElementIsOneFmaChainInAscendingOrder) {
  const auto [rows, in, units] = GetParam();
  const std::vector<float> x = random_matrix(rows * in, 1);
  const std::vector<float> w = random_matrix(in * units, 2);
  const std::vector<float> dz = random_matrix(rows * units, 3);
  std::vector<float> y(rows * units, 7.0f), g(in * units, 7.0f), dx(rows * in, 7.0f);
  DenseProducts products;
  products.forward({x.data(), rows, in}, {w.data(), in, units}, {y.data(), rows, units});
  products.weight_gradient({x.data(), rows, in}, {dz.data(), rows, units}, false,
                           {g.data(), in, units});
  products.input_gradient({dz.data(), rows, units}, {w.data(), in, units}, {dx.data(), rows, in});
  const auto x_at = [&](std::size_t r, std::size_t k) { return x[r * in + k]; };
  const auto w_at = [&](std::size_t k, std::size_t c) { return w[k * units + c]; };
  const auto dz_at = [&](std::size_t r, std::size_t c) { return dz[r * units + c]; };
  ASSERT_NO_FATAL_FAILURE(expect_fma_chains("forward", y, rows, units, in, x_at, w_at));
  ASSERT_NO_FATAL_FAILURE(expect_fma_chains(
      "weight gradient", g, in, units, rows,
      [&](std::size_t k, std::size_t r) { return x_at(r, k); }, dz_at));
  ASSERT_NO_FATAL_FAILURE(
      expect_fma_chains("input gradient", dx, rows, in, units, dz_at,
                        [&](std::size_t c, std::size_t k) { return w_at(k, c); }));
}

// Tiles of 8 rows and 48 columns (3 vectors of 16), k in blocks of 256:
// shapes below, at and across each, with column tails, a single row, a
// single partial vector and no depth.
INSTANTIATE_TEST_SUITE_P(Shapes, DenseProductShapes,
                         ::testing::Values(Shape{1, 784, 512}, Shape{64, 512, 512},
                                           Shape{64, 512, 10}, Shape{13, 257, 80},
                                           Shape{9, 256, 16}, Shape{17, 65, 50}, Shape{16, 70, 7},
                                           Shape{3, 0, 32}),
                         [](const auto& test) { return shape_name(test.param); });

TEST(DenseProducts, AccumulatingEqualsAddingTheGradientComputedApart) {
  constexpr std::size_t kRows = 16, kIn = 60, kUnits = 205;
  const std::vector<float> x = random_matrix(kRows * kIn, 4);
  const std::vector<float> dz = random_matrix(kRows * kUnits, 5);
  const std::vector<float> before = random_matrix(kIn * kUnits, 6);
  std::vector<float> apart(kIn * kUnits), accumulated(before);
  DenseProducts products;
  products.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, false,
                           {apart.data(), kIn, kUnits});
  products.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, true,
                           {accumulated.data(), kIn, kUnits});
  for (std::size_t i = 0; i < apart.size(); ++i)
    ASSERT_EQ(accumulated[i], before[i] + apart[i]) << "element " << i;
}

TEST(DenseProducts, ShapeMismatchIsALogicError) {
  std::vector<float> x(4), w(20), out(10);
  DenseProducts products;
  EXPECT_THROW(products.forward({x.data(), 2, 2}, {w.data(), 2, 10}, {out.data(), 2, 5}),
               std::logic_error);
  EXPECT_THROW(products.input_gradient({out.data(), 2, 5}, {w.data(), 2, 10}, {x.data(), 2, 2}),
               std::logic_error);
}

}  // namespace
}  // namespace mnist_dp
