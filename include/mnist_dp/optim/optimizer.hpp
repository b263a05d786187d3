// Optimizers over the flat parameter and gradient buffers, with Keras'
// update rules. State is flat arrays ("slots") the same length as the
// parameters plus an iteration count, so a checkpoint stores it as is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace mnist_dp {

enum class OptimizerKind { kAdam, kSgd, kRmsprop };

// The update rule and its hyper-parameters (Keras' names and defaults); each
// field applies to the kinds named beside it.
struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::kAdam;
  double learning_rate = 1e-3;
  double beta_1 = 0.9;    // adam
  double beta_2 = 0.999;  // adam
  double epsilon = 1e-7;  // adam, rmsprop
  double rho = 0.9;       // rmsprop
  double momentum = 0.0;  // sgd
  bool nesterov = false;  // sgd
};

class Optimizer {
 public:
  Optimizer(std::string name, std::size_t size, std::vector<std::string> slot_names);
  virtual ~Optimizer() = default;

  // One update of params from grads (the global mean gradient) with this
  // step's learning rate.
  void step(std::span<float> params, std::span<const float> grads, double learning_rate);

  const std::string& name() const { return name_; }
  std::uint64_t iterations() const { return iterations_; }
  void set_iterations(std::uint64_t n) { iterations_ = n; }
  const std::vector<std::string>& slot_names() const { return slot_names_; }
  std::vector<float>& slot(std::size_t i) { return slots_[i]; }
  const std::vector<float>& slot(std::size_t i) const { return slots_[i]; }

 protected:
  // Called with iterations() already counting this step (1 on the first).
  virtual void update(std::span<float> params, std::span<const float> grads,
                      double learning_rate) = 0;

 private:
  std::string name_;
  std::vector<std::string> slot_names_;
  std::vector<std::vector<float>> slots_;
  std::uint64_t iterations_ = 0;
};

// Adam, SGD (momentum, Nesterov) or RMSprop, for `size` parameters.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings, std::size_t size);

}  // namespace mnist_dp
