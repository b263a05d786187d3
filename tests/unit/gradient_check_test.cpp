// Finite-difference gradient checks for every layer, the fused softmax
// cross-entropy and the whole model. Forward passes run in float; the loss is
// accumulated and differenced in double with central differences.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <ostream>
#include <vector>

#include "mnist_dp/core/rng.hpp"
#include "mnist_dp/nn/activation.hpp"
#include "mnist_dp/nn/dense.hpp"
#include "mnist_dp/nn/dropout.hpp"
#include "mnist_dp/nn/model.hpp"
#include "mnist_dp/nn/softmax_cross_entropy.hpp"

namespace mnist_dp {
namespace {

constexpr float kStep = 1e-3f;

std::vector<float> random_values(std::size_t n, std::uint64_t stream, float scale = 1.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = scale * (2.0f * uniform01(hash_key(42, stream, i)) - 1.0f);
  return v;
}

double weighted_sum(ConstMatrixView y, const std::vector<float>& weights) {
  double s = 0;
  for (std::size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y.data[i]) * weights[i];
  return s;
}

// Central difference of loss() with respect to x, using the step actually representable.
double numeric_derivative(float& x, const std::function<double()>& loss) {
  const float original = x;
  const float up = original + kStep, down = original - kStep;
  x = up;
  const double l_up = loss();
  x = down;
  const double l_down = loss();
  x = original;
  return (l_up - l_down) / (static_cast<double>(up) - static_cast<double>(down));
}

void expect_gradient(const std::vector<float>& analytic, float* values, std::size_t n,
                     const std::function<double()>& loss, const std::string& what) {
  for (std::size_t i = 0; i < n; ++i) {
    const double numeric = numeric_derivative(values[i], loss);
    EXPECT_NEAR(analytic[i], numeric, 1e-3 + 1e-2 * std::abs(numeric)) << what << " element " << i;
  }
}

struct DenseCase {
  Activation activation;
  const char* name;
  bool sparse_input = false;  // half the inputs zero, the layer told so
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const DenseCase& c, std::ostream* os) { *os << c.name; }

class DenseGradient : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseGradient, MatchesFiniteDifferences) {
  constexpr std::size_t kBatch = 3, kIn = 4, kUnits = 5;
  ParameterBuffer params;
  DenseSettings settings;
  settings.units = kUnits;
  settings.activation = GetParam().activation;
  DenseLayer dense("dense", settings, kIn, params);
  params.allocate();
  dense.initialize(7, 0);
  const auto bias = random_values(kUnits, 1, 0.5f);
  std::copy(bias.begin(), bias.end(), params.values().begin() + kIn * kUnits);
  std::vector<float> x = random_values(kBatch * kIn, 2);
  if (GetParam().sparse_input) {
    for (std::size_t i = 0; i < x.size(); i += 2) x[i] = 0.0f;
    dense.set_sparse_input(true);
  }
  const std::vector<float> upstream = random_values(kBatch * kUnits, 3);
  std::vector<float> y(kBatch * kUnits), grad_out(upstream), grad_in(kBatch * kIn);
  const StepContext ctx{};

  auto loss = [&] {
    dense.forward(ctx, ConstMatrixView{x.data(), kBatch, kIn},
                  MatrixView{y.data(), kBatch, kUnits});
    return weighted_sum(ConstMatrixView{y.data(), kBatch, kUnits}, upstream);
  };
  loss();
  dense.backward(ConstMatrixView{x.data(), kBatch, kIn}, ConstMatrixView{y.data(), kBatch, kUnits},
                 MatrixView{grad_out.data(), kBatch, kUnits},
                 MatrixView{grad_in.data(), kBatch, kIn});
  const std::vector<float> param_grads(params.grads().begin(), params.grads().end());
  expect_gradient(param_grads, params.values().data(), params.size(), loss, "params");
  expect_gradient(grad_in, x.data(), x.size(), loss, "input");
}

INSTANTIATE_TEST_SUITE_P(Activations, DenseGradient,
                         ::testing::Values(DenseCase{Activation::kLinear, "linear"},
                                           DenseCase{Activation::kRelu, "relu"},
                                           DenseCase{Activation::kSigmoid, "sigmoid"},
                                           DenseCase{Activation::kTanh, "tanh"},
                                           DenseCase{Activation::kRelu, "relu_sparse_input", true}),
                         [](const auto& test) { return std::string(test.param.name); });

TEST(ActivationLayerGradient, MatchesFiniteDifferences) {
  constexpr std::size_t kBatch = 2, kWidth = 6;
  for (Activation a : {Activation::kRelu, Activation::kSigmoid, Activation::kTanh}) {
    ActivationLayer layer("activation", a, kWidth);
    std::vector<float> x = random_values(kBatch * kWidth, 4);
    const std::vector<float> upstream = random_values(kBatch * kWidth, 5);
    std::vector<float> y(x.size()), grad_out(upstream), grad_in(x.size());
    auto loss = [&] {
      layer.forward({}, ConstMatrixView{x.data(), kBatch, kWidth},
                    MatrixView{y.data(), kBatch, kWidth});
      return weighted_sum(ConstMatrixView{y.data(), kBatch, kWidth}, upstream);
    };
    loss();
    layer.backward(
        ConstMatrixView{x.data(), kBatch, kWidth}, ConstMatrixView{y.data(), kBatch, kWidth},
        MatrixView{grad_out.data(), kBatch, kWidth}, MatrixView{grad_in.data(), kBatch, kWidth});
    expect_gradient(grad_in, x.data(), x.size(), loss, std::string(activation_name(a)));
  }
}

TEST(DropoutGradient, MatchesFiniteDifferencesInTraining) {
  constexpr std::size_t kBatch = 4, kWidth = 8;
  DropoutLayer layer("dropout", 0.3f, kWidth, 1, kBatch);
  std::vector<float> x = random_values(kBatch * kWidth, 6);
  const std::vector<float> upstream = random_values(kBatch * kWidth, 7);
  std::vector<float> y(x.size()), grad_out(upstream), grad_in(x.size());
  const StepContext ctx{true, 3, 11, 0};
  auto loss = [&] {
    layer.forward(ctx, ConstMatrixView{x.data(), kBatch, kWidth},
                  MatrixView{y.data(), kBatch, kWidth});
    return weighted_sum(ConstMatrixView{y.data(), kBatch, kWidth}, upstream);
  };
  loss();
  layer.backward({}, {}, MatrixView{grad_out.data(), kBatch, kWidth},
                 MatrixView{grad_in.data(), kBatch, kWidth});
  expect_gradient(grad_in, x.data(), x.size(), loss, "dropout input");
}

TEST(SoftmaxCrossEntropyGradient, MatchesFiniteDifferences) {
  constexpr std::size_t kBatch = 3, kClasses = 4;
  std::vector<float> logits = random_values(kBatch * kClasses, 8, 3.0f);
  const std::uint8_t labels[kBatch] = {0, 3, 2};
  std::vector<float> grad(logits.size());
  const ConstMatrixView z{logits.data(), kBatch, kClasses};
  softmax_cross_entropy(z, labels, 1.0f, MatrixView{grad.data(), kBatch, kClasses});
  auto loss = [&] { return softmax_cross_entropy(z, labels, 0.0f, MatrixView{}).loss_sum; };
  expect_gradient(grad, logits.data(), logits.size(), loss, "logits");
}

TEST(SoftmaxCrossEntropy, StableForHugeLogitsAndCountsCorrect) {
  std::vector<float> logits{1000.0f, 0.0f, -1000.0f, 0.0f, 0.0f, 0.0f};
  const std::uint8_t labels[2] = {0, 1};
  const LossStats s =
      softmax_cross_entropy(ConstMatrixView{logits.data(), 2, 3}, labels, 0.0f, MatrixView{});
  EXPECT_TRUE(std::isfinite(s.loss_sum));
  EXPECT_NEAR(s.loss_sum, std::log(3.0), 1e-6);  // row 0 contributes ~0
  EXPECT_EQ(s.correct, 1u);                      // row 1 is a three-way tie, arg-max picks class 0
}

TEST(ModelGradient, WholeStackWithDropoutMatchesFiniteDifferences) {
  ModelSpec config;
  config.layers = {{LayerKind::kDense, 6, Activation::kTanh, 0},
                   {LayerKind::kDropout, 0, Activation::kLinear, 0.25f},
                   {LayerKind::kDense, 5, Activation::kLinear, 0},
                   {LayerKind::kActivation, 0, Activation::kSigmoid, 0},
                   {LayerKind::kDense, 3, Activation::kSoftmax, 0}};
  constexpr std::size_t kBatch = 4, kIn = 5;
  Model model(config, kIn, 3, kBatch);
  model.initialize(9);
  const std::vector<float> x = random_values(kBatch * kIn, 10);
  const std::uint8_t labels[kBatch] = {0, 1, 2, 1};
  const StepContext ctx{true, 1, 5, 0};
  const ConstMatrixView input{x.data(), kBatch, kIn};
  auto loss = [&] {
    return softmax_cross_entropy(model.forward(ctx, input), labels, 0.0f, MatrixView{}).loss_sum;
  };
  MatrixView grad = model.logits_grad_buffer(kBatch);
  softmax_cross_entropy(model.forward(ctx, input), labels, 1.0f, grad);
  model.backward(input, grad);
  const std::vector<float> analytic(model.params().grads().begin(), model.params().grads().end());
  expect_gradient(analytic, model.params().values().data(), model.params().size(), loss, "model");
}

}  // namespace
}  // namespace mnist_dp
