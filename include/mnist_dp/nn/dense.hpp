// Fully connected layer y = f(x W + b) with W stored (in, units) as Keras does,
// bound to slices of the model's flat parameter and gradient buffers.
#pragma once

#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/nn/activation.hpp"
#include "mnist_dp/nn/bf16_products.hpp"
#include "mnist_dp/nn/dense_products.hpp"
#include "mnist_dp/nn/params.hpp"
#include "mnist_dp/nn/sparse_input.hpp"

namespace mnist_dp {

struct DenseSettings {
  std::size_t units = 0;
  Activation activation = Activation::kLinear;
  float kernel_l2 = 0.0f;  // adds kernel_l2 * sum(kernel^2) to the loss (Keras l2)
  float bias_l2 = 0.0f;    // adds bias_l2 * sum(bias^2) to the loss
};

class DenseLayer final : public Layer {
 public:
  // Registers "<name>/kernel" (in, units) and "<name>/bias" (units) in params,
  // each with its L2 coefficient.
  DenseLayer(std::string name, const DenseSettings& settings, std::size_t in,
             ParameterBuffer& params);

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "Dense"; }
  std::size_t output_size() const override { return units_; }
  std::size_t param_count() const override { return (in_ + 1) * units_; }
  std::size_t input_size() const { return in_; }
  Activation activation() const { return activation_; }

  // Keras' glorot_uniform kernel (limit sqrt(6 / (in + units))), zero bias.
  void initialize(std::uint64_t seed, std::uint64_t layer_index) override;
  // Forward and weight gradient skip zero inputs (sparse_input.hpp).
  void set_sparse_input(bool sparse) override { sparse_input_ = sparse; }
  // Between the forward product whose row tiles share column lists and the
  // one that runs each row down its own non-zeros (sparse_input.hpp).
  void choose_sparse_forward(ConstMatrixView sample) override;
  void use_sparse_forward_by_rows(bool by_rows);
  bool sparse_forward_by_rows() const { return sparse_forward_by_rows_; }
  // Layers of at least kSparseMinUnits units only: with fewer, the lists
  // cost more than the skipped products save.
  void set_sparse_below(const SparseBelow& below, std::size_t max_training_rows) override;
  static constexpr std::size_t kSparseMinUnits = 128;
  void set_precision(Precision precision, std::size_t max_training_rows) override;

  void forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) override;
  void backward(ConstMatrixView in, ConstMatrixView out, MatrixView grad_out,
                MatrixView grad_in) override;

 private:
  std::string name_;
  std::size_t in_;
  std::size_t units_;
  Activation activation_;
  ParameterBuffer& params_;
  std::size_t kernel_;
  std::size_t bias_;
  AlignedFloats bias_sum_;  // backward's per-batch bias gradient
  bool sparse_input_ = false;
  bool sparse_forward_by_rows_ = false;  // with sparse_input_: forward_rows, not forward
  SparseBelow sparse_below_;
  Precision precision_ = Precision::kFp32;
  SparseInputProducts sparse_;
  DenseProducts dense_;
  Bf16Products bf16_;
};

}  // namespace mnist_dp
