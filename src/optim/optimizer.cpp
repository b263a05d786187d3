// Adam, SGD and RMSprop with Keras' update rules, each one loop over the
// flat buffers (compiled with -fno-math-errno so sqrt vectorises).
#include "mnist_dp/optim/optimizer.hpp"

#include <cmath>
#include <stdexcept>

namespace mnist_dp {

Optimizer::Optimizer(std::string name, std::size_t size, std::vector<std::string> slot_names)
    : name_(std::move(name)), slot_names_(std::move(slot_names)) {
  for (std::size_t i = 0; i < slot_names_.size(); ++i) slots_.emplace_back(size, 0.0f);
}

void Optimizer::step(std::span<float> params, std::span<const float> grads, double learning_rate) {
  ++iterations_;
  update(params, grads, learning_rate);
}

namespace {

// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps).
class Adam final : public Optimizer {
 public:
  Adam(const OptimizerSettings& c, std::size_t size) : Optimizer("adam", size, {"m", "v"}), c_(c) {}

 protected:
  void update(std::span<float> params, std::span<const float> grads,
              double learning_rate) override {
    const double t = static_cast<double>(iterations());
    const auto lr_t = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(c_.beta_2, t)) /
                                         (1.0 - std::pow(c_.beta_1, t)));
    const auto b1 = static_cast<float>(c_.beta_1), b2 = static_cast<float>(c_.beta_2);
    const auto eps = static_cast<float>(c_.epsilon);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict m = slot(0).data();
    float* __restrict v = slot(1).data();
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

 private:
  OptimizerSettings c_;
};

// velocity = momentum * velocity - lr * g; p += velocity
// (Nesterov: p += momentum * velocity - lr * g).
class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerSettings& c, std::size_t size) : Optimizer("sgd", size, {"velocity"}), c_(c) {}

 protected:
  void update(std::span<float> params, std::span<const float> grads,
              double learning_rate) override {
    const auto lr = static_cast<float>(learning_rate);
    const auto mu = static_cast<float>(c_.momentum);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict vel = slot(0).data();
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      vel[i] = mu * vel[i] - lr * g[i];
      p[i] += c_.nesterov ? mu * vel[i] - lr * g[i] : vel[i];
    }
  }

 private:
  OptimizerSettings c_;
};

// v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps).
class RmsProp final : public Optimizer {
 public:
  RmsProp(const OptimizerSettings& c, std::size_t size)
      : Optimizer("rmsprop", size, {"rms"}), c_(c) {}

 protected:
  void update(std::span<float> params, std::span<const float> grads,
              double learning_rate) override {
    const auto lr = static_cast<float>(learning_rate);
    const auto rho = static_cast<float>(c_.rho);
    const auto eps = static_cast<float>(c_.epsilon);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict v = slot(0).data();
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(v[i]) + eps);
    }
  }

 private:
  OptimizerSettings c_;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings, std::size_t size) {
  switch (settings.kind) {
    case OptimizerKind::kAdam:
      return std::make_unique<Adam>(settings, size);
    case OptimizerKind::kSgd:
      return std::make_unique<Sgd>(settings, size);
    case OptimizerKind::kRmsprop:
      return std::make_unique<RmsProp>(settings, size);
  }
  throw std::invalid_argument("make_optimizer: unknown optimizer kind");
}

}  // namespace mnist_dp
