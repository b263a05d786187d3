// Flat parameter and gradient buffers with named slices.
#include "mnist_dp/nn/params.hpp"

#include <algorithm>
#include <stdexcept>

namespace mnist_dp {

std::size_t ParameterBuffer::add(std::string name, std::size_t rows, std::size_t cols, float l2) {
  if (!values_.empty()) throw std::logic_error("ParameterBuffer::add after allocate");
  tensors_.push_back({std::move(name), total_, rows, cols, l2});
  total_ += rows * cols;
  return tensors_.size() - 1;
}

void ParameterBuffer::allocate() {
  values_.assign(total_, 0.0f);
  own_grads_.assign(total_, 0.0f);
  grads_ = own_grads_;
}

namespace {

// The rows of `t` with any element in the flat range `elements`: row r
// holds elements [offset + r cols, offset + (r + 1) cols).
IndexRange rows_touching(const ParamTensor& t, IndexRange elements) {
  if (t.cols == 0) return {0, 0};
  const auto rows_before = [&](std::size_t i, std::size_t round_up) {
    if (i <= t.offset) return std::size_t{0};
    if (i - t.offset >= t.size()) return t.rows;
    return (i - t.offset + round_up) / t.cols;
  };
  const std::size_t last = rows_before(elements.end, t.cols - 1);
  return {std::min(rows_before(elements.begin, 0), last), last};
}

}  // namespace

void ParameterBuffer::place_grads(std::span<float> grads, IndexRange read_here) {
  std::vector<IndexRange> rows;
  for (const ParamTensor& t : tensors_) rows.push_back(rows_touching(t, read_here));
  place_grads(grads, std::move(rows));
}

void ParameterBuffer::place_grads(std::span<float> grads, std::vector<IndexRange> rows_read_here) {
  if (grads.size() != size())
    throw std::invalid_argument("ParameterBuffer::place_grads: wrong size");
  if (rows_read_here.size() != tensors_.size())
    throw std::invalid_argument("ParameterBuffer::place_grads: one row range per tensor");
  grads_ = grads;
  own_grads_ = {};
  rows_read_here_ = std::move(rows_read_here);
}

IndexRange ParameterBuffer::grad_rows_read_here(std::size_t handle) const {
  const ParamTensor& t = tensors_.at(handle);
  // A target is read by this core.
  if (grad_target_ || rows_read_here_.empty() || t.cols == 0) return kAllIndices;
  return rows_read_here_[handle];
}

void ParameterBuffer::set_gradient_listener(std::function<void(std::size_t handle)> listener) {
  gradient_listener_ = std::move(listener);
}

MatrixView ParameterBuffer::value(std::size_t handle) {
  const ParamTensor& t = tensors_.at(handle);
  return {values_.data() + t.offset, t.rows, t.cols};
}

ConstMatrixView ParameterBuffer::value(std::size_t handle) const {
  const ParamTensor& t = tensors_.at(handle);
  return {values_.data() + t.offset, t.rows, t.cols};
}

MatrixView ParameterBuffer::grad(std::size_t handle) {
  const ParamTensor& t = tensors_.at(handle);
  return {(grad_target_ ? grad_target_ : grads_.data()) + t.offset, t.rows, t.cols};
}

void ParameterBuffer::set_grad_target(std::span<float> target, bool accumulate) {
  if (target.size() != size()) throw std::invalid_argument("set_grad_target: wrong size");
  grad_target_ = target.data();
  accumulate_ = accumulate;
}

void ParameterBuffer::reset_grad_target() {
  grad_target_ = nullptr;
  accumulate_ = false;
}

}  // namespace mnist_dp
