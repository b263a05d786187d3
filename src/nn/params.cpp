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

void ParameterBuffer::place_grads(std::span<float> grads, IndexRange read_here) {
  if (grads.size() != size())
    throw std::invalid_argument("ParameterBuffer::place_grads: wrong size");
  grads_ = grads;
  own_grads_ = {};
  read_here_ = read_here;
}

IndexRange ParameterBuffer::grad_rows_read_here(std::size_t handle) const {
  const ParamTensor& t = tensors_.at(handle);
  if (grad_target_ || t.cols == 0) return kAllIndices;  // a target is read by this core
  // Row r holds elements [offset + r cols, offset + (r + 1) cols); it is
  // read here if any of them is in read_here_.
  const auto rows_before = [&](std::size_t i, std::size_t round_up) {
    if (i <= t.offset) return std::size_t{0};
    if (i - t.offset >= t.size()) return t.rows;
    return (i - t.offset + round_up) / t.cols;
  };
  const std::size_t last = rows_before(read_here_.end, t.cols - 1);
  return {std::min(rows_before(read_here_.begin, 0), last), last};
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
