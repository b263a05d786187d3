// Adam, SGD and RMSprop with Keras' update rules, each one loop over the
// flat buffers (compiled with -fno-math-errno so sqrt vectorises).
#include "mnist_dp/optim/optimizer.hpp"

#include <cmath>
#include <stdexcept>

namespace mnist_dp {

Optimizer::Optimizer(std::string name, std::size_t size, std::vector<std::string> slot_names)
    : name_(std::move(name)), slot_names_(std::move(slot_names)) {
  for (std::size_t i = 0; i < slot_names_.size(); ++i) own_slots_.emplace_back(size, 0.0f);
  for (AlignedFloats& slot : own_slots_) slots_.push_back(slot);
}

void Optimizer::place_slots(std::span<float> memory, std::size_t stride) {
  const std::size_t size = slots_.empty() ? 0 : slots_[0].size();
  if (stride < size || memory.size() < stride * slots_.size())
    throw std::invalid_argument("Optimizer::place_slots: memory too small");
  for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] = memory.subspan(i * stride, size);
  own_slots_.clear();
}

void Optimizer::start_step(double learning_rate) {
  ++iterations_;
  prepare(learning_rate);
}

namespace {

// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
// p -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps).
class Adam final : public Optimizer {
 public:
  Adam(const OptimizerSettings& c, std::size_t size) : Optimizer("adam", size, {"m", "v"}), c_(c) {}

  void update(std::span<float> params, std::span<const float> grads, std::size_t first) override {
    const float lr_t = lr_t_;
    const auto b1 = static_cast<float>(c_.beta_1), b2 = static_cast<float>(c_.beta_2);
    const auto eps = static_cast<float>(c_.epsilon);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict m = slot(0).data() + first;
    float* __restrict v = slot(1).data() + first;
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1.0f - b1) * g[i];
      v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
      p[i] -= lr_t * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

 protected:
  void prepare(double learning_rate) override {
    const double t = static_cast<double>(iterations());
    lr_t_ = static_cast<float>(learning_rate * std::sqrt(1.0 - std::pow(c_.beta_2, t)) /
                               (1.0 - std::pow(c_.beta_1, t)));
  }

 private:
  OptimizerSettings c_;
  float lr_t_ = 0;  // this step's learning rate with the bias corrections
};

// velocity = momentum * velocity - lr * g; p += velocity
// (Nesterov: p += momentum * velocity - lr * g).
class Sgd final : public Optimizer {
 public:
  Sgd(const OptimizerSettings& c, std::size_t size) : Optimizer("sgd", size, {"velocity"}), c_(c) {}

  void update(std::span<float> params, std::span<const float> grads, std::size_t first) override {
    const float lr = lr_;
    const auto mu = static_cast<float>(c_.momentum);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict vel = slot(0).data() + first;
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      vel[i] = mu * vel[i] - lr * g[i];
      p[i] += c_.nesterov ? mu * vel[i] - lr * g[i] : vel[i];
    }
  }

 protected:
  void prepare(double learning_rate) override { lr_ = static_cast<float>(learning_rate); }

 private:
  OptimizerSettings c_;
  float lr_ = 0;
};

// v = rho v + (1-rho) g^2; p -= lr g / (sqrt(v) + eps).
class RmsProp final : public Optimizer {
 public:
  RmsProp(const OptimizerSettings& c, std::size_t size)
      : Optimizer("rmsprop", size, {"rms"}), c_(c) {}

  void update(std::span<float> params, std::span<const float> grads, std::size_t first) override {
    const float lr = lr_;
    const auto rho = static_cast<float>(c_.rho);
    const auto eps = static_cast<float>(c_.epsilon);
    float* __restrict p = params.data();
    const float* __restrict g = grads.data();
    float* __restrict v = slot(0).data() + first;
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      v[i] = rho * v[i] + (1.0f - rho) * g[i] * g[i];
      p[i] -= lr * g[i] / (std::sqrt(v[i]) + eps);
    }
  }

 protected:
  void prepare(double learning_rate) override { lr_ = static_cast<float>(learning_rate); }

 private:
  OptimizerSettings c_;
  float lr_ = 0;
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
