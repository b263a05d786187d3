// Activation functions, their derivatives, and the Activation layer.
#include "mnist_dp/nn/activation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <utility>

namespace mnist_dp {
namespace {

template <typename F>
void map_rows(MatrixView y, const float* bias, F f) {
  for (std::size_t r = 0; r < y.rows; ++r) {
    float* row = y.row(r);
    if (bias) {
      for (std::size_t c = 0; c < y.cols; ++c) row[c] = f(row[c] + bias[c]);
    } else {
      for (std::size_t c = 0; c < y.cols; ++c) row[c] = f(row[c]);
    }
  }
}

}  // namespace

bool parse_activation(std::string_view text, Activation& out) {
  for (std::size_t i = 0; i < std::size(kActivationNames); ++i) {
    if (kActivationNames[i] == text) {
      out = static_cast<Activation>(i);
      return true;
    }
  }
  return false;
}

std::string_view activation_name(Activation a) {
  return kActivationNames[static_cast<std::size_t>(a)];
}

void apply_activation(Activation a, MatrixView y, const float* bias) {
  switch (a) {
    case Activation::kLinear:
    case Activation::kSoftmax:
      map_rows(y, bias, [](float v) { return v; });
      break;
    case Activation::kRelu:
      map_rows(y, bias, [](float v) { return std::max(v, 0.0f); });
      break;
    case Activation::kSigmoid:
      map_rows(y, bias, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    case Activation::kTanh:
      map_rows(y, bias, [](float v) { return std::tanh(v); });
      break;
  }
}

void activation_backward(Activation a, ConstMatrixView y, MatrixView grad) {
  const std::size_t n = y.size();
  const float* out = y.data;
  float* g = grad.data;
  switch (a) {
    case Activation::kLinear:
    case Activation::kSoftmax:
      break;
    case Activation::kRelu:
      for (std::size_t i = 0; i < n; ++i) g[i] = out[i] > 0.0f ? g[i] : 0.0f;
      break;
    case Activation::kSigmoid:
      for (std::size_t i = 0; i < n; ++i) g[i] *= out[i] * (1.0f - out[i]);
      break;
    case Activation::kTanh:
      for (std::size_t i = 0; i < n; ++i) g[i] *= 1.0f - out[i] * out[i];
      break;
  }
}

void ActivationLayer::forward(const StepContext&, ConstMatrixView in, MatrixView out) {
  std::memcpy(out.data, in.data, in.size() * sizeof(float));
  apply_activation(activation_, out, nullptr);
}

void ActivationLayer::backward(ConstMatrixView, ConstMatrixView out, MatrixView grad_out,
                               MatrixView grad_in) {
  activation_backward(activation_, out, grad_out);
  if (grad_in.data) std::memcpy(grad_in.data, grad_out.data, grad_out.size() * sizeof(float));
}

}  // namespace mnist_dp
