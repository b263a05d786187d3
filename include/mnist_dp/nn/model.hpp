// A Sequential stack of layers built from a ModelSpec over one flat parameter
// buffer, with activation buffers sized once for the largest batch, so the
// training loop allocates nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/nn/layer.hpp"
#include "mnist_dp/nn/model_spec.hpp"
#include "mnist_dp/nn/params.hpp"

namespace mnist_dp {

class Model {
 public:
  Model(const ModelSpec& spec, std::size_t input_size, std::size_t num_classes,
        std::size_t max_batch);

  ParameterBuffer& params() { return params_; }
  const ParameterBuffer& params() const { return params_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  std::size_t input_size() const { return input_size_; }
  std::size_t max_batch() const { return max_batch_; }

  // Glorot-uniform kernels and zero biases, from the seed alone.
  void initialize(std::uint64_t seed);
  // Whether the first layer treats its input (the images) as mostly zeros,
  // and below which non-zero fractions of a batch's input the layers'
  // products skip zero inputs, for training batches of up to
  // max_training_rows. Both paths give the same bits.
  void set_sparsity(bool sparse_input, const SparseBelow& below, std::size_t max_training_rows);
  // With a sparse input, the first layer keeps the faster of its two
  // forward products on `sample` (rows of the training data).
  void choose_sparse_forward(ConstMatrixView sample);
  // The precision of every layer's dense products in training steps.
  void set_precision(Precision precision, std::size_t max_training_rows);

  // x: (batch, input_size) with batch <= max_batch. Returns the logits.
  ConstMatrixView forward(const StepContext& ctx, ConstMatrixView x);
  // Backward pass of the last forward, from dL/d(logits), which is overwritten.
  // Fills the flat gradient buffer.
  void backward(ConstMatrixView x, MatrixView grad_logits);
  // Scratch buffer shaped like the logits of a batch of `rows`.
  MatrixView logits_grad_buffer(std::size_t rows);

  // Keras-style summary table: layer (type), output shape, params, totals.
  std::string summary() const;

 private:
  std::size_t input_size_;
  std::size_t max_batch_;
  ParameterBuffer params_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<AlignedFloats> outputs_;  // outputs_[i]: output of layer i
  AlignedFloats grad_a_, grad_b_;       // ping-pong buffers for dL/d(activation)
  AlignedFloats grad_logits_;
};

}  // namespace mnist_dp
