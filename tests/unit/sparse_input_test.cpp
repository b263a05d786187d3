// The sparse-input kernels against a double-precision reference, their
// definition (one FMA chain per element in ascending order), the dense
// products, and their own documented properties: accumulating equals
// adding a separately computed gradient, and a row's output does not depend
// on the other rows of the batch.
#include "mnist_dp/nn/sparse_input.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mnist_dp/nn/dense_products.hpp"
#include "product_test_support.hpp"

namespace mnist_dp {
namespace {

// |a - b| within the float rounding of a sum of `terms` products bounded by `magnitude`.
void expect_close(const std::vector<float>& got, const std::vector<double>& want,
                  const std::vector<double>& magnitude, const char* what) {
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-6 * (1.0 + magnitude[i])) << what << " element " << i;
  }
}

class SparseInputShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(SparseInputShapes, ForwardAndWeightGradientMatchTheExactSums) {
  const auto [rows, in, units] = GetParam();
  const std::vector<float> x = random_matrix(rows * in, 1, 0.2);
  const std::vector<float> w = random_matrix(in * units, 2);
  const std::vector<float> dz = random_matrix(rows * units, 3);
  std::vector<double> y_ref(rows * units), y_mag(rows * units);
  std::vector<double> g_ref(in * units), g_mag(in * units);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t k = 0; k < in; ++k) {
      for (std::size_t c = 0; c < units; ++c) {
        const double a = double{x[r * in + k]} * w[k * units + c];
        const double b = double{x[r * in + k]} * dz[r * units + c];
        y_ref[r * units + c] += a;
        y_mag[r * units + c] += std::abs(a);
        g_ref[k * units + c] += b;
        g_mag[k * units + c] += std::abs(b);
      }
    }
  }
  SparseInputProducts sparse;
  std::vector<float> y(rows * units, 7.0f), g(in * units, 7.0f);
  sparse.forward({x.data(), rows, in}, {w.data(), in, units}, {y.data(), rows, units});
  sparse.weight_gradient({x.data(), rows, in}, {dz.data(), rows, units}, false,
                         {g.data(), in, units});
  expect_close(y, y_ref, y_mag, "forward");
  expect_close(g, g_ref, g_mag, "weight gradient");
  // Bit for bit, one FMA chain in ascending order (a zero term adds an exact
  // zero, so the chain over every index equals the chain over the non-zeros).
  const auto x_at = [&](std::size_t r, std::size_t k) { return x[r * in + k]; };
  ASSERT_NO_FATAL_FAILURE(
      expect_fma_chains("forward", y, rows, units, in, x_at,
                        [&](std::size_t k, std::size_t c) { return w[k * units + c]; }));
  ASSERT_NO_FATAL_FAILURE(expect_fma_chains(
      "weight gradient", g, in, units, rows,
      [&](std::size_t k, std::size_t r) { return x_at(r, k); },
      [&](std::size_t r, std::size_t c) { return dz[r * units + c]; }));

  // The dense products give the same sums up to float rounding.
  std::vector<float> y_dense(rows * units), g_dense(in * units);
  DenseProducts dense;
  dense.forward({x.data(), rows, in}, {w.data(), in, units}, {y_dense.data(), rows, units});
  dense.weight_gradient({x.data(), rows, in}, {dz.data(), rows, units}, false,
                        {g_dense.data(), in, units});
  expect_close(y_dense, y_ref, y_mag, "dense forward");
  expect_close(g_dense, g_ref, g_mag, "dense weight gradient");
}

// forward_rows: every element one FMA chain in ascending order, so the
// dense products' bits; rows past a pass of 64 and partial vectors included.
TEST_P(SparseInputShapes, ForwardByRowsGivesTheDenseProductsBits) {
  const auto [rows, in, units] = GetParam();
  const std::vector<float> x = random_matrix(rows * in, 13, 0.3);
  const std::vector<float> w = random_matrix(in * units, 14);
  SparseInputProducts sparse;
  sparse.reserve_forward_rows(in);
  std::vector<float> y(rows * units, 7.0f), y_dense(rows * units);
  sparse.forward_rows({x.data(), rows, in}, {w.data(), in, units}, {y.data(), rows, units});
  ASSERT_NO_FATAL_FAILURE(expect_fma_chains(
      "forward by rows", y, rows, units, in,
      [&](std::size_t r, std::size_t k) { return x[r * in + k]; },
      [&](std::size_t k, std::size_t c) { return w[k * units + c]; }));
  DenseProducts dense;
  dense.forward({x.data(), rows, in}, {w.data(), in, units}, {y_dense.data(), rows, units});
  EXPECT_EQ(y, y_dense);
}

// Tiles of 128 columns and 16-float vectors: widths below, at and across them.
INSTANTIATE_TEST_SUITE_P(Shapes, SparseInputShapes,
                         ::testing::Values(Shape{1, 784, 512}, Shape{16, 37, 5}, Shape{33, 50, 16},
                                           Shape{70, 64, 130}, Shape{40, 20, 300},
                                           Shape{150, 30, 17}),
                         [](const auto& test) { return shape_name(test.param); });

TEST(SparseInput, AccumulatingEqualsAddingTheGradientComputedApart) {
  constexpr std::size_t kRows = 16, kIn = 60, kUnits = 200;
  const std::vector<float> x = random_matrix(kRows * kIn, 4, 0.1);
  const std::vector<float> dz = random_matrix(kRows * kUnits, 5);
  const std::vector<float> before = random_matrix(kIn * kUnits, 6);
  SparseInputProducts sparse;
  std::vector<float> apart(kIn * kUnits), accumulated(before);
  sparse.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, false,
                         {apart.data(), kIn, kUnits});
  sparse.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, kUnits}, true,
                         {accumulated.data(), kIn, kUnits});
  bool some_column_empty = false;
  for (std::size_t k = 0; k < kIn; ++k) {
    bool empty = true;
    for (std::size_t r = 0; r < kRows; ++r) empty = empty && x[r * kIn + k] == 0.0f;
    some_column_empty = some_column_empty || empty;
    for (std::size_t c = 0; c < kUnits; ++c) {
      const std::size_t i = k * kUnits + c;
      // An all-zero input column leaves the accumulated row as it was.
      ASSERT_EQ(accumulated[i], empty ? before[i] : before[i] + apart[i]) << "element " << i;
    }
  }
  EXPECT_TRUE(some_column_empty) << "the case should cover an all-zero input column";
}

TEST(SparseInput, ARowsOutputDoesNotDependOnTheOtherRows) {
  constexpr std::size_t kRows = 45, kIn = 100, kUnits = 140;
  const std::vector<float> x = random_matrix(kRows * kIn, 7, 0.2);
  const std::vector<float> w = random_matrix(kIn * kUnits, 8);
  SparseInputProducts sparse;
  std::vector<float> batch(kRows * kUnits), single(kUnits);
  sparse.forward({x.data(), kRows, kIn}, {w.data(), kIn, kUnits}, {batch.data(), kRows, kUnits});
  for (std::size_t r = 0; r < kRows; ++r) {
    sparse.forward({x.data() + r * kIn, 1, kIn}, {w.data(), kIn, kUnits},
                   {single.data(), 1, kUnits});
    for (std::size_t c = 0; c < kUnits; ++c) ASSERT_EQ(single[c], batch[r * kUnits + c]);
  }
}

}  // namespace
}  // namespace mnist_dp

namespace mnist_dp {
namespace {

// Rows outside cached_rows go out by streaming stores: the same values,
// written over and accumulated, including rows whose output is not
// 64-byte aligned (ordinary stores then) and a last partial vector.
TEST(SparseInput, StreamedRowsHoldTheSameValues) {
  constexpr std::size_t kRows = 24, kIn = 40;
  for (const std::size_t units : {std::size_t{256}, std::size_t{200}, std::size_t{10}}) {
    const std::vector<float> x = random_matrix(kRows * kIn, 21, 0.3);
    const std::vector<float> dz = random_matrix(kRows * units, 22);
    const std::vector<float> before = random_matrix(kIn * units, 23);
    for (const bool accumulate : {false, true}) {
      for (const std::size_t shift : {std::size_t{0}, std::size_t{1}}) {
        SparseInputProducts sparse;
        AlignedFloats cached(before.begin(), before.end()), streamed(kIn * units + shift);
        std::copy(before.begin(), before.end(), streamed.begin() + shift);
        sparse.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, units}, accumulate,
                               {cached.data(), kIn, units});
        sparse.weight_gradient({x.data(), kRows, kIn}, {dz.data(), kRows, units}, accumulate,
                               {streamed.data() + shift, kIn, units}, IndexRange{13, 29});
        for (std::size_t i = 0; i < kIn * units; ++i) {
          ASSERT_EQ(streamed[shift + i], cached[i]) << units << " units, accumulate " << accumulate
                                                    << ", shift " << shift << ", element " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace mnist_dp
