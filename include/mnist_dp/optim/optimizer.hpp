// Optimizers over the flat parameter and gradient buffers, with Keras'
// update rules. State is flat arrays ("slots") the same length as the
// parameters plus an iteration count, so a checkpoint stores it as is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"

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

  // One step in parts: start_step with this step's learning rate, then
  // update over consecutive ranges of the parameters that together cover
  // them once (`first`: the index of params[0] among them; grads: the global
  // mean gradient of the range). Each element's update depends only on its
  // own values, so any cut into ranges gives the same bits.
  void start_step(double learning_rate);
  virtual void update(std::span<float> params, std::span<const float> grads, std::size_t first) = 0;

  const std::string& name() const { return name_; }
  std::uint64_t iterations() const { return iterations_; }
  void set_iterations(std::uint64_t n) { iterations_ = n; }
  const std::vector<std::string>& slot_names() const { return slot_names_; }
  std::span<float> slot(std::size_t i) { return slots_[i]; }
  std::span<const float> slot(std::size_t i) const { return slots_[i]; }
  // Moves the state into memory owned elsewhere (shared with other ranks):
  // slot i becomes memory[i stride, i stride + size), its values kept as
  // they are there (stride >= size; a stride of whole cache lines keeps
  // every slot aligned as the own buffers are).
  void place_slots(std::span<float> memory, std::size_t stride);

 protected:
  // Called by start_step with iterations() already counting this step (1 on
  // the first): the step's constants.
  virtual void prepare(double learning_rate) = 0;

 private:
  std::string name_;
  std::vector<std::string> slot_names_;
  std::vector<AlignedFloats> own_slots_;  // empty once placed elsewhere
  std::vector<std::span<float>> slots_;
  std::uint64_t iterations_ = 0;
};

// Adam, SGD (momentum, Nesterov) or RMSprop, for `size` parameters.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings, std::size_t size);

}  // namespace mnist_dp
