// Which products a Dense layer runs on. Below training.sparse_forward_below
// and training.sparse_gradient_below non-zero inputs (and with at least
// kSparseMinUnits units) its forward product and weight gradient take the
// sparse-input kernels; the bits equal the dense products'. The path taken
// is seen through a NaN beside an all-zero input column: the dense products
// multiply that column's zeros by it (NaN), the sparse kernels never visit
// the column (a number).
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
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

enum class NaNIn { kNowhere, kWeights, kOutputGradient };

struct Results {
  std::vector<float> output;
  std::vector<float> param_grads;  // the flat gradient buffer: kernel, then bias
  std::vector<float> input_grad;
};

// One forward and backward pass of a linear Dense layer with `units` units
// over an input 30% non-zero whose column kZeroColumn is all zero; a NaN, if
// asked for, goes into that column's row of the kernel (element 1) or into
// element (2, 1) of dL/d(out).
// A linear Dense layer of `units` units over kIn inputs with its own
// parameters, initialised from seed 3.
struct OneLayer {
  static DenseSettings linear(std::size_t units) {
    DenseSettings settings;
    settings.units = units;
    return settings;
  }
  explicit OneLayer(std::size_t units) : dense("dense", linear(units), kIn, params) {
    params.allocate();
    dense.initialize(3, 0);
  }
  ParameterBuffer params;
  DenseLayer dense;
};

Results run(std::size_t units, const SparseBelow& below, NaNIn nan) {
  OneLayer layer(units);
  ParameterBuffer& params = layer.params;
  DenseLayer& dense = layer.dense;
  dense.set_sparse_below(below, kRows);
  if (nan == NaNIn::kWeights) params.values()[kZeroColumn * units + 1] = kNaN;
  std::vector<float> x = random_matrix(kRows * kIn, 11, 0.3);
  for (std::size_t r = 0; r < kRows; ++r) x[r * kIn + kZeroColumn] = 0.0f;
  std::vector<float> dz = random_matrix(kRows * units, 12);
  if (nan == NaNIn::kOutputGradient) dz[2 * units + 1] = kNaN;
  Results out{std::vector<float>(kRows * units), {}, std::vector<float>(kRows * kIn)};
  dense.forward(StepContext{}, {x.data(), kRows, kIn}, {out.output.data(), kRows, units});
  dense.backward({x.data(), kRows, kIn}, {out.output.data(), kRows, units},
                 {dz.data(), kRows, units}, {out.input_grad.data(), kRows, kIn});
  out.param_grads.assign(params.grads().begin(), params.grads().end());
  return out;
}

constexpr std::size_t kWide = DenseLayer::kSparseMinUnits;
constexpr std::size_t kNarrow = DenseLayer::kSparseMinUnits - 1;

// Output element (0, 1): NaN exactly when the dense forward product ran.
bool dense_forward(std::size_t units, double below) {
  return std::isnan(run(units, {below, 0.0}, NaNIn::kWeights).output[1]);
}
// Kernel gradient element (kZeroColumn, 1): NaN exactly when the dense
// weight gradient ran.
bool dense_weight_gradient(std::size_t units, double below) {
  return std::isnan(
      run(units, {0.0, below}, NaNIn::kOutputGradient).param_grads[kZeroColumn * units + 1]);
}

TEST(DenseLayerProducts, ForwardSkipsZeroInputsBelowTheThreshold) {
  EXPECT_FALSE(dense_forward(kWide, 0.5));
  EXPECT_TRUE(dense_forward(kWide, 0.2)) << "an input 30% non-zero is not below 0.2";
  EXPECT_TRUE(dense_forward(kWide, 0.0)) << "0 means never";
  EXPECT_TRUE(dense_forward(kNarrow, 0.5)) << "narrower than kSparseMinUnits: dense";
}

TEST(DenseLayerProducts, WeightGradientSkipsZeroInputsBelowTheThreshold) {
  EXPECT_FALSE(dense_weight_gradient(kWide, 0.5));
  EXPECT_TRUE(dense_weight_gradient(kWide, 0.2)) << "an input 30% non-zero is not below 0.2";
  EXPECT_TRUE(dense_weight_gradient(kWide, 0.0)) << "0 means never";
  EXPECT_TRUE(dense_weight_gradient(kNarrow, 0.5)) << "narrower than kSparseMinUnits: dense";
}

TEST(DenseLayerProducts, BothPathsGiveTheSameBits) {
  constexpr std::size_t kUnits = DenseLayer::kSparseMinUnits + 30;
  const Results sparse = run(kUnits, {0.5, 0.5}, NaNIn::kNowhere);
  const Results dense = run(kUnits, {0.0, 0.0}, NaNIn::kNowhere);
  EXPECT_EQ(sparse.output, dense.output);
  ASSERT_EQ(sparse.param_grads.size(), dense.param_grads.size());
  for (std::size_t i = 0; i < sparse.param_grads.size(); ++i) {
    ASSERT_EQ(std::signbit(sparse.param_grads[i]), std::signbit(dense.param_grads[i]))
        << "parameter " << i;
    ASSERT_EQ(sparse.param_grads[i], dense.param_grads[i]) << "parameter " << i;
  }
  EXPECT_EQ(sparse.input_grad, dense.input_grad);
}

// training.precision bf16: a training step's forward product is the bf16
// one, evaluation's stays float32 (the same bits as without bf16).
TEST(DenseLayerProducts, Bf16RunsInTrainingStepsOnly) {
  if (!bf16_products_available()) GTEST_SKIP() << "this build has no AVX512-BF16";
  constexpr std::size_t kUnits = 40;
  const std::vector<float> x = random_matrix(kRows * kIn, 31);
  const auto output = [&](Precision precision, bool training) {
    OneLayer layer(kUnits);
    DenseLayer& dense = layer.dense;
    dense.set_precision(precision, kRows);
    StepContext ctx;
    ctx.training = training;
    std::vector<float> out(kRows * kUnits);
    dense.forward(ctx, {x.data(), kRows, kIn}, {out.data(), kRows, kUnits});
    return out;
  };
  EXPECT_EQ(output(Precision::kBf16, false), output(Precision::kFp32, false));
  EXPECT_NE(output(Precision::kBf16, true), output(Precision::kFp32, true));
  EXPECT_EQ(output(Precision::kFp32, true), output(Precision::kFp32, false));
}

}  // namespace
}  // namespace mnist_dp

namespace mnist_dp {
namespace {

// With a sparse input the layer runs the forward product it was told to: the
// one whose row tiles share column lists multiplies row 0's zero at column
// k by a NaN weight (row 1, in the same tile, is non-zero there), the one
// by rows skips it.
TEST(DenseLayerProducts, SparseInputRunsTheChosenForwardProduct) {
  constexpr std::size_t kColumn = 7, kUnit = 3;
  OneLayer layer(kWide);
  layer.params.values()[kColumn * kWide + kUnit] = kNaN;
  std::vector<float> x = random_matrix(kRows * kIn, 41, 0.3);
  x[kColumn] = 0.0f;
  x[kIn + kColumn] = 1.0f;
  DenseLayer& dense = layer.dense;
  dense.set_sparse_input(true);
  const auto row0_output = [&] {
    std::vector<float> out(kRows * kWide);
    dense.forward(StepContext{}, {x.data(), kRows, kIn}, {out.data(), kRows, kWide});
    return out[kUnit];
  };
  dense.use_sparse_forward_by_rows(false);
  EXPECT_TRUE(std::isnan(row0_output())) << "shared column lists";
  dense.use_sparse_forward_by_rows(true);
  EXPECT_FALSE(std::isnan(row0_output())) << "by rows";

  dense.choose_sparse_forward({x.data(), kRows, kIn});  // either, by their times
  EXPECT_EQ(std::isnan(row0_output()), !dense.sparse_forward_by_rows());
  OneLayer plain(kWide);
  plain.dense.choose_sparse_forward({x.data(), kRows, kIn});
  EXPECT_FALSE(plain.dense.sparse_forward_by_rows()) << "no choice without a sparse input";
}

// Backward tells the parameter buffer's listener when the kernel's and the
// bias's gradients are complete, before the input gradient (the shared
// optimizer pass starts on them then): at that point the input gradient
// is still untouched.
TEST(DenseLayerProducts, BackwardReportsEachParameterGradientBeforeTheInputGradient) {
  OneLayer layer(kWide);
  std::vector<float> x = random_matrix(kRows * kIn, 51, 0.3);
  std::vector<float> out(kRows * kWide), dz = random_matrix(kRows * kWide, 52);
  std::vector<float> input_grad(kRows * kIn, kNaN);
  std::vector<std::size_t> reported;
  bool input_grad_untouched = true;
  layer.params.set_gradient_listener([&](std::size_t handle) {
    reported.push_back(handle);
    for (const float v : input_grad) input_grad_untouched = input_grad_untouched && std::isnan(v);
  });
  layer.dense.forward(StepContext{}, {x.data(), kRows, kIn}, {out.data(), kRows, kWide});
  layer.dense.backward({x.data(), kRows, kIn}, {out.data(), kRows, kWide},
                       {dz.data(), kRows, kWide}, {input_grad.data(), kRows, kIn});
  EXPECT_EQ(reported, (std::vector<std::size_t>{0, 1})) << "kernel, then bias";
  EXPECT_TRUE(input_grad_untouched);
  EXPECT_FALSE(std::isnan(input_grad[0])) << "the input gradient follows";
}

}  // namespace
}  // namespace mnist_dp
