// Optimizer updates against values computed by hand from Keras' formulas.
#include "mnist_dp/optim/optimizer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mnist_dp {
namespace {

// Runs two steps with gradients 0.5 then -0.25 from p = 1; returns p after each.
std::vector<float> two_steps(const OptimizerConfig& config) {
  auto opt = make_optimizer(config, 1);
  std::vector<float> p{1.0f};
  std::vector<float> out;
  for (float g : {0.5f, -0.25f}) {
    std::vector<float> grad{g};
    opt->step(p, grad);
    out.push_back(p[0]);
  }
  EXPECT_EQ(opt->iterations(), 2u);
  return out;
}

TEST(Optimizer, AdamMatchesKerasFormula) {
  // t=1: m=0.05, v=2.5e-4, lr_t=1e-3*sqrt(1-0.999)/(1-0.9); p=1-lr_t*m/(sqrt(v)+1e-7).
  OptimizerConfig c;  // adam, lr 1e-3, beta 0.9/0.999, eps 1e-7
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.9990000063245154, 1e-7);
  EXPECT_NEAR(p[1], 0.9987336707920792, 1e-7);
}

TEST(Optimizer, SgdMomentum) {
  OptimizerConfig c;
  c.name = "sgd";
  c.learning_rate = 0.1;
  c.momentum = 0.9;
  // v1 = -0.05, p = 0.95; v2 = 0.9*-0.05 + 0.025 = -0.02, p = 0.93.
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 0.93, 1e-7);
}

TEST(Optimizer, SgdNesterov) {
  OptimizerConfig c;
  c.name = "sgd";
  c.learning_rate = 0.1;
  c.momentum = 0.9;
  c.nesterov = true;
  // v1 = -0.05, p = 1 + 0.9*-0.05 - 0.05 = 0.905; v2 = -0.02, p = 0.905 - 0.018 + 0.025 = 0.912.
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.905, 1e-7);
  EXPECT_NEAR(p[1], 0.912, 1e-7);
}

TEST(Optimizer, PlainSgd) {
  OptimizerConfig c;
  c.name = "sgd";
  c.learning_rate = 0.1;
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 0.975, 1e-7);
}

TEST(Optimizer, RmsProp) {
  OptimizerConfig c;
  c.name = "rmsprop";
  c.learning_rate = 1e-3;
  c.rho = 0.9;
  // v1 = 0.025, p = 1 - 1e-3*0.5/(sqrt(0.025)+1e-7).
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.9968377243398303, 1e-7);
  EXPECT_NEAR(p[1], 0.9983121430318146, 1e-7);
}

TEST(Optimizer, UnknownNameIsRejected) {
  OptimizerConfig c;
  c.name = "adagrad";
  EXPECT_THROW(make_optimizer(c, 1), ConfigError);
}

}  // namespace
}  // namespace mnist_dp
