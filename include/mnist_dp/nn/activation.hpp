// Element-wise activations (relu, sigmoid, tanh) as functions usable inside
// Dense's fused loop, and as a standalone Activation layer. Softmax is applied
// by the fused softmax-cross-entropy loss, so here it passes logits through.
#pragma once

#include <string>
#include <string_view>

#include "mnist_dp/nn/layer.hpp"

namespace mnist_dp {

enum class Activation { kLinear, kRelu, kSigmoid, kTanh, kSoftmax };
// Keras' names, indexed by Activation.
inline constexpr std::string_view kActivationNames[] = {"linear", "relu", "sigmoid", "tanh",
                                                        "softmax"};

// "linear", "relu", ...; parse returns false for an unknown name.
bool parse_activation(std::string_view text, Activation& out);
std::string_view activation_name(Activation a);

// y = f(x + bias) over each row, in place; bias may be null. Softmax: identity.
void apply_activation(Activation a, MatrixView y, const float* bias);
// grad *= f'(x), using the activation's output y. Softmax/linear: unchanged.
void activation_backward(Activation a, ConstMatrixView y, MatrixView grad);

class ActivationLayer final : public Layer {
 public:
  ActivationLayer(std::string name, Activation activation, std::size_t width)
      : name_(std::move(name)), activation_(activation), width_(width) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "Activation"; }
  std::size_t output_size() const override { return width_; }
  Activation activation() const { return activation_; }
  void forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) override;
  void backward(ConstMatrixView in, ConstMatrixView out, MatrixView grad_out,
                MatrixView grad_in) override;

 private:
  std::string name_;
  Activation activation_;
  std::size_t width_;
};

}  // namespace mnist_dp
