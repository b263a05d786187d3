// One flat parameter buffer and one flat gradient buffer for the whole model.
// Layers register the tensors they need and later read slices by handle, so
// one allreduce moves every gradient and optimizers are loops over flat arrays.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

struct ParamTensor {
  std::string name;  // e.g. "dense_1/kernel"
  std::size_t offset = 0;
  std::size_t rows = 0;  // 1 for vectors
  std::size_t cols = 0;
  float l2 = 0.0f;  // L2 regularization: the loss gains l2 * sum(values^2)
  std::size_t size() const { return rows * cols; }
};

class ParameterBuffer {
 public:
  // Layers keep a reference to their model's buffer: it never moves.
  ParameterBuffer() = default;
  ParameterBuffer(const ParameterBuffer&) = delete;
  ParameterBuffer& operator=(const ParameterBuffer&) = delete;

  // Registers a tensor; returns its handle. Only before allocate().
  std::size_t add(std::string name, std::size_t rows, std::size_t cols, float l2 = 0.0f);
  // Allocates zeroed values and gradients for all registered tensors.
  void allocate();

  const std::vector<ParamTensor>& tensors() const { return tensors_; }
  std::size_t size() const { return values_.size(); }

  std::span<float> values() { return values_; }
  std::span<const float> values() const { return values_; }
  std::span<float> grads() { return grads_; }
  std::span<const float> grads() const { return grads_; }

  MatrixView value(std::size_t handle);
  ConstMatrixView value(std::size_t handle) const;
  // The slice of the gradient target that backward writes.
  MatrixView grad(std::size_t handle);

  // Where backward puts parameter gradients: by default grads(), written
  // over. A target of size() floats may take its place, and with
  // `accumulate` backward adds its gradients to what the target holds
  // (target + gradient, one rounding per element, as if the gradient had
  // been computed apart and added).
  void set_grad_target(std::span<float> target, bool accumulate);
  void reset_grad_target();
  bool accumulating() const { return accumulate_; }

  // Moves the gradients into memory owned elsewhere (shared with other
  // ranks) of size() floats; backward writes them there from then on. Other
  // cores read the elements outside `read_here` next: products may write
  // those with streaming stores (core/streaming_stores.hpp).
  // A row counts as read here if any of its elements is in read_here.
  void place_grads(std::span<float> grads, IndexRange read_here = kAllIndices);
  // The same, with the rows read here given per tensor (by handle).
  void place_grads(std::span<float> grads, std::vector<IndexRange> rows_read_here);
  // The rows of tensor `handle` whose gradient this core reads (all of them
  // unless place_grads said otherwise or a gradient target is set).
  IndexRange grad_rows_read_here(std::size_t handle) const;

  // Backward calls gradient_written once a tensor's gradient of the batch
  // is complete; the listener (if set) learns the tensor's handle.
  void set_gradient_listener(std::function<void(std::size_t handle)> listener);
  void gradient_written(std::size_t handle) const {
    if (gradient_listener_) gradient_listener_(handle);
  }

 private:
  std::vector<ParamTensor> tensors_;
  std::size_t total_ = 0;
  AlignedFloats values_;
  AlignedFloats own_grads_;
  std::span<float> grads_;                  // own_grads_ unless placed elsewhere
  std::vector<IndexRange> rows_read_here_;  // per tensor; empty: every row
  float* grad_target_ = nullptr;            // grads_ unless set_grad_target
  bool accumulate_ = false;
  std::function<void(std::size_t)> gradient_listener_;
};

}  // namespace mnist_dp
