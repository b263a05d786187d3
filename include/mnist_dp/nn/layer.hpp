// The layer interface: explicit forward and backward over row-major batches.
// Layers own no parameter memory; Dense reads its slices of the flat buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// Below which fraction of non-zeros in a batch's input a layer's products
// skip the zero inputs (0: never). Either way the bits are the same.
struct SparseBelow {
  double forward = 0.0;          // the forward product, each row down its own non-zeros
  double weight_gradient = 0.0;  // the weight gradient
};

// What the dense products of training steps compute in (training.precision):
// float32, or bfloat16 operands summed in float32 (bf16_products.hpp).
// Evaluation always runs float32, and products that skip zeros stay float32.
enum class Precision { kFp32, kBf16 };

// What a forward pass needs to know about the step it belongs to.
struct StepContext {
  bool training = false;
  std::uint64_t seed = 0;
  std::uint64_t step = 0;            // global optimizer step (keys dropout masks)
  std::uint64_t first_position = 0;  // position of row 0 inside the global batch
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual const std::string& name() const = 0;
  // The Keras class name: "Dense", "Dropout", "Activation".
  virtual std::string_view type() const = 0;
  virtual std::size_t output_size() const = 0;
  virtual std::size_t param_count() const { return 0; }
  // Sets the layer's parameters from the seed alone; layer_index keys its
  // random stream. Layers without parameters have nothing to set.
  virtual void initialize(std::uint64_t /*seed*/, std::uint64_t /*layer_index*/) {}
  // Told that its input is mostly zeros (the first layer on MNIST), a layer
  // that can skip zero inputs does so; others ignore it.
  virtual void set_sparse_input(bool /*sparse*/) {}
  // A layer told so, with two forward products that skip zero inputs, times
  // both on `sample` (rows like a training batch's) and keeps the faster:
  // which wins depends on the CPU, and both give the same bits.
  virtual void choose_sparse_forward(ConstMatrixView /*sample*/) {}
  // A layer whose products can skip zero inputs does so for batches below
  // these fractions, with room for training batches of max_training_rows
  // reserved now; others ignore it.
  virtual void set_sparse_below(const SparseBelow& /*below*/, std::size_t /*max_training_rows*/) {}
  // The precision of the layer's dense products in training steps, with room
  // for training batches of max_training_rows reserved now; layers without
  // products ignore it.
  virtual void set_precision(Precision /*precision*/, std::size_t /*max_training_rows*/) {}

  // in: (batch, input_size), out: (batch, output_size).
  virtual void forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) = 0;
  // grad_out: dL/d(out), (batch, output_size); may be overwritten.
  // grad_in: receives dL/d(in) unless grad_in.data is null (first layer).
  // Parameter gradients are written (not added) into the flat gradient buffer.
  virtual void backward(ConstMatrixView in, ConstMatrixView out, MatrixView grad_out,
                        MatrixView grad_in) = 0;
};

}  // namespace mnist_dp
