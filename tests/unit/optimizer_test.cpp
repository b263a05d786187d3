// Optimizer updates, learning-rate schedules and L2 regularization against
// values computed by hand from Keras' formulas.
#include "mnist_dp/optim/optimizer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "mnist_dp/optim/regularization.hpp"
#include "mnist_dp/optim/schedule.hpp"

namespace mnist_dp {
namespace {

// Runs two steps with gradients 0.5 then -0.25 from p = 1; returns p after each.
std::vector<float> two_steps(const OptimizerSettings& config) {
  auto opt = make_optimizer(config, 1);
  std::vector<float> p{1.0f};
  std::vector<float> out;
  for (float g : {0.5f, -0.25f}) {
    std::vector<float> grad{g};
    opt->start_step(config.learning_rate);
    opt->update(p, grad, 0);
    out.push_back(p[0]);
  }
  EXPECT_EQ(opt->iterations(), 2u);
  return out;
}

TEST(Optimizer, AdamMatchesKerasFormula) {
  // t=1: m=0.05, v=2.5e-4, lr_t=1e-3*sqrt(1-0.999)/(1-0.9); p=1-lr_t*m/(sqrt(v)+1e-7).
  OptimizerSettings c;  // adam, lr 1e-3, beta 0.9/0.999, eps 1e-7
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.9990000063245154, 1e-7);
  EXPECT_NEAR(p[1], 0.9987336707920792, 1e-7);
}

TEST(Optimizer, SgdMomentum) {
  OptimizerSettings c;
  c.kind = OptimizerKind::kSgd;
  c.learning_rate = 0.1;
  c.momentum = 0.9;
  // v1 = -0.05, p = 0.95; v2 = 0.9*-0.05 + 0.025 = -0.02, p = 0.93.
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 0.93, 1e-7);
}

TEST(Optimizer, SgdNesterov) {
  OptimizerSettings c;
  c.kind = OptimizerKind::kSgd;
  c.learning_rate = 0.1;
  c.momentum = 0.9;
  c.nesterov = true;
  // v1 = -0.05, p = 1 + 0.9*-0.05 - 0.05 = 0.905; v2 = -0.02, p = 0.905 - 0.018 + 0.025 = 0.912.
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.905, 1e-7);
  EXPECT_NEAR(p[1], 0.912, 1e-7);
}

TEST(Optimizer, PlainSgd) {
  OptimizerSettings c;
  c.kind = OptimizerKind::kSgd;
  c.learning_rate = 0.1;
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.95, 1e-7);
  EXPECT_NEAR(p[1], 0.975, 1e-7);
}

TEST(Optimizer, RmsProp) {
  OptimizerSettings c;
  c.kind = OptimizerKind::kRmsprop;
  c.learning_rate = 1e-3;
  c.rho = 0.9;
  // v1 = 0.025, p = 1 - 1e-3*0.5/(sqrt(0.025)+1e-7).
  const auto p = two_steps(c);
  EXPECT_NEAR(p[0], 0.9968377243398303, 1e-7);
  EXPECT_NEAR(p[1], 0.9983121430318146, 1e-7);
}

TEST(Optimizer, UnknownKindIsRejected) {
  OptimizerSettings c;
  c.kind = static_cast<OptimizerKind>(99);
  EXPECT_THROW(make_optimizer(c, 1), std::invalid_argument);
}

TEST(Optimizer, StepUsesTheGivenLearningRate) {
  OptimizerSettings c;
  c.kind = OptimizerKind::kSgd;
  auto opt = make_optimizer(c, 1);
  std::vector<float> p{1.0f}, g{0.5f};
  opt->start_step(0.2);
  opt->update(p, g, 0);  // p = 1 - 0.2 * 0.5
  EXPECT_NEAR(p[0], 0.9, 1e-7);
}

// Three steps over 1000 parameters, updated whole and in ranges of 7 (the
// trainer's fused pass updates a block chunk by chunk): the same bits.
TEST(Optimizer, UpdatingInRangesGivesTheSameBitsAsWhole) {
  for (const OptimizerKind kind :
       {OptimizerKind::kAdam, OptimizerKind::kSgd, OptimizerKind::kRmsprop}) {
    OptimizerSettings c;
    c.kind = kind;
    c.momentum = 0.9;
    constexpr std::size_t kSize = 1000, kRange = 7;
    auto whole = make_optimizer(c, kSize), ranged = make_optimizer(c, kSize);
    std::vector<float> p_whole(kSize), p_ranged(kSize), g(kSize);
    for (std::size_t i = 0; i < kSize; ++i) p_whole[i] = p_ranged[i] = 0.001f * float(i);
    for (int step = 0; step < 3; ++step) {
      for (std::size_t i = 0; i < kSize; ++i) g[i] = std::sin(float(i * (step + 1)));
      whole->start_step(0.01);
      whole->update(p_whole, g, 0);
      ranged->start_step(0.01);
      for (std::size_t first = 0; first < kSize; first += kRange) {
        const std::size_t n = std::min(kRange, kSize - first);
        ranged->update(std::span(p_ranged).subspan(first, n), std::span(g).subspan(first, n),
                       first);
      }
    }
    EXPECT_EQ(p_whole, p_ranged) << whole->name();
    for (std::size_t s = 0; s < whole->slot_names().size(); ++s) {
      EXPECT_TRUE(std::ranges::equal(whole->slot(s), ranged->slot(s)))
          << whole->name() << " slot " << s;
    }
  }
}

// A learning rate and its schedule, as the config gives them.
struct ScheduleCase {
  double learning_rate = 1e-3;
  std::size_t base_batch_size = 0;
  ScheduleSettings schedule;
};

LearningRateSchedule make_schedule(const ScheduleCase& c, std::size_t batch_size,
                                   std::size_t steps_per_epoch, std::size_t epochs) {
  return LearningRateSchedule(c.schedule, c.learning_rate, {c.base_batch_size, batch_size},
                              steps_per_epoch, epochs);
}

TEST(Schedule, ConstantWithLinearBatchScaling) {
  ScheduleCase c;
  c.learning_rate = 0.001;
  c.base_batch_size = 128;
  const LearningRateSchedule s = make_schedule(c, 1024, 58, 20);  // 1024 / 128 = 8x
  EXPECT_DOUBLE_EQ(s.peak(), 0.008);
  EXPECT_DOUBLE_EQ(s.at(0), 0.008);
  EXPECT_DOUBLE_EQ(s.at(1000), 0.008);
}

TEST(Schedule, WarmupRampsLinearlyToThePeak) {
  ScheduleCase c;
  c.learning_rate = 0.1;
  c.schedule.warmup_epochs = 2;  // 2 epochs of 5 steps: 10 warmup steps
  const LearningRateSchedule s = make_schedule(c, 100, 5, 10);
  EXPECT_DOUBLE_EQ(s.at(0), 0.01);
  EXPECT_DOUBLE_EQ(s.at(4), 0.05);
  EXPECT_DOUBLE_EQ(s.at(9), 0.1);
  EXPECT_DOUBLE_EQ(s.at(10), 0.1);
}

TEST(Schedule, StepDropsEveryFewEpochs) {
  ScheduleCase c;
  c.learning_rate = 1.0;
  c.schedule.kind = ScheduleKind::kStep;
  c.schedule.drop_every_epochs = 2;
  c.schedule.drop_factor = 0.5;
  const LearningRateSchedule s = make_schedule(c, 100, 10, 10);
  EXPECT_DOUBLE_EQ(s.at(19), 1.0);   // epoch 2
  EXPECT_DOUBLE_EQ(s.at(20), 0.5);   // epoch 3
  EXPECT_DOUBLE_EQ(s.at(45), 0.25);  // epoch 5
}

TEST(Schedule, CosineDecaysFromPeakToFinal) {
  ScheduleCase c;
  c.learning_rate = 1.0;
  c.schedule.kind = ScheduleKind::kCosine;
  c.schedule.final_learning_rate = 0.2;
  c.schedule.warmup_epochs = 1;
  const LearningRateSchedule s = make_schedule(c, 100, 10, 5);  // 10 warmup steps, 40 decay steps
  EXPECT_DOUBLE_EQ(s.at(10), 1.0);
  EXPECT_NEAR(s.at(30), 0.6, 1e-12);  // half way: 0.2 + 0.8 * 0.5
  EXPECT_NEAR(s.at(50), 0.2, 1e-12);
}

TEST(Regularization, L2PenaltyAndGradientFollowKeras) {
  ParameterBuffer params;
  params.add("dense/kernel", 1, 2, 0.01f);
  params.add("dense/bias", 1, 1, 0.0f);
  params.add("dense_1/kernel", 1, 1, 0.5f);
  params.allocate();
  const std::vector<float> w{3.0f, -4.0f, 7.0f, 2.0f};
  std::copy(w.begin(), w.end(), params.values().begin());
  std::fill(params.grads().begin(), params.grads().end(), 1.0f);
  EXPECT_TRUE(has_l2(params));
  // 0.01 * (9 + 16) + 0.5 * 4; the unregularized bias adds nothing.
  EXPECT_NEAR(l2_penalty(params), 2.25, 1e-6);  // float coefficients
  add_l2_gradient(params);
  const std::vector<float> expected{1.0f + 0.06f, 1.0f - 0.08f, 1.0f, 1.0f + 2.0f};
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(params.grads()[i], expected[i], 1e-6);
}

}  // namespace
}  // namespace mnist_dp
