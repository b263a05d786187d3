// Optimizers over the flat parameter and gradient buffers, with Keras'
// update rules. State is flat arrays ("slots") the same length as the
// parameters plus an iteration count, so a checkpoint stores it as is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mnist_dp/config.hpp"

namespace mnist_dp {

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

// Adam, SGD (momentum, Nesterov) or RMSprop as named in the config.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config, std::size_t size);

}  // namespace mnist_dp
