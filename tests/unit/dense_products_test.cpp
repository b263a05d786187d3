// The dense kernels against their definition: every output element is one
// chain of fused multiply-adds over k in ascending order starting from zero
// (std::fma in a scalar loop gives the same bits), whatever the tiling, the
// k blocking, the column tail or the rows around it; accumulating adds that
// chain's result.
#include "mnist_dp/nn/dense_products.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <vector>

#include "mnist_dp/core/rng.hpp"

namespace mnist_dp {
namespace {

std::vector<float> random_matrix(std::size_t n, std::uint64_t stream) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 2.0f * uniform01(hash_key(11, stream, i)) - 1.0f;
  return v;
}

struct Shape {
  std::size_t rows, in, units;
};
void PrintTo(const Shape& s, std::ostream* os) { *os << s.rows << "x" << s.in << "x" << s.units; }

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
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < units; ++c) {
      float chain = 0.0f;
      for (std::size_t k = 0; k < in; ++k) chain = std::fma(x[r * in + k], w[k * units + c], chain);
      ASSERT_EQ(y[r * units + c], chain) << "forward row " << r << " column " << c;
    }
  }
  for (std::size_t k = 0; k < in; ++k) {
    for (std::size_t c = 0; c < units; ++c) {
      float chain = 0.0f;
      for (std::size_t r = 0; r < rows; ++r)
        chain = std::fma(x[r * in + k], dz[r * units + c], chain);
      ASSERT_EQ(g[k * units + c], chain) << "weight gradient " << k << ", " << c;
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < in; ++k) {
      float chain = 0.0f;
      for (std::size_t c = 0; c < units; ++c)
        chain = std::fma(dz[r * units + c], w[k * units + c], chain);
      ASSERT_EQ(dx[r * in + k], chain) << "input gradient row " << r << " column " << k;
    }
  }
}

// Tiles of 8 rows and 48 columns (3 vectors of 16), k in blocks of 256:
// shapes below, at and across each, with column tails, a single row, a
// single partial vector and no depth.
INSTANTIATE_TEST_SUITE_P(Shapes, DenseProductShapes,
                         ::testing::Values(Shape{1, 784, 512}, Shape{64, 512, 512},
                                           Shape{64, 512, 10}, Shape{13, 257, 80},
                                           Shape{9, 256, 16}, Shape{17, 65, 50}, Shape{16, 70, 7},
                                           Shape{3, 0, 32}),
                         [](const auto& test) {
                           return std::to_string(test.param.rows) + "x" +
                                  std::to_string(test.param.in) + "x" +
                                  std::to_string(test.param.units);
                         });

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
