// Dense layer: forward and backward over its slices of the flat buffers, with
// the bias add and activation fused into one pass over the output. The
// products are dense_products.hpp's, or sparse_input.hpp's for the forward
// pass and weight gradient of a first layer fed sparse data and for those
// of a batch whose input is mostly zeros (ReLU and dropout outputs). Both
// kinds sum each element's non-zero terms in the same order, so the choice
// changes the speed, never the bits. With training.precision bf16 the dense
// products of training steps are bf16_products.hpp's, whose bits differ
// from the sparse kernels'; the choice then depends only on the rows given
// (a shard in the deterministic mode), so it is the same at any rank count.
#include "mnist_dp/nn/dense.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mnist_dp/core/rng.hpp"
#include "mnist_dp/nn/dense_products.hpp"

namespace mnist_dp {

DenseLayer::DenseLayer(std::string name, const DenseSettings& settings, std::size_t in,
                       ParameterBuffer& params)
    : name_(std::move(name)),
      in_(in),
      units_(settings.units),
      activation_(settings.activation),
      params_(params),
      kernel_(params.add(name_ + "/kernel", in, units_, settings.kernel_l2)),
      bias_(params.add(name_ + "/bias", 1, units_, settings.bias_l2)),
      bias_sum_(units_) {}

void DenseLayer::initialize(std::uint64_t seed, std::uint64_t layer_index) {
  constexpr std::uint64_t kInitStream = 0x696e6974ULL;  // "init"
  const float limit = std::sqrt(6.0f / static_cast<float>(in_ + units_));
  MatrixView w = params_.value(kernel_);
  for (std::size_t i = 0; i < w.size(); ++i) {
    const float u = uniform01(hash_key(seed, kInitStream, layer_index, i));
    w.data[i] = (2.0f * u - 1.0f) * limit;
  }
  MatrixView b = params_.value(bias_);
  for (std::size_t i = 0; i < b.size(); ++i) b.data[i] = 0.0f;
}

void DenseLayer::set_sparse_below(const SparseBelow& below, std::size_t max_training_rows) {
  sparse_below_ = units_ >= kSparseMinUnits ? below : SparseBelow{};
  if (sparse_input_ || sparse_below_.weight_gradient > 0.0) {
    sparse_.reserve_weight_gradient(max_training_rows, in_);
  }
  if (sparse_below_.forward > 0.0) sparse_.reserve_forward_rows(in_);
}

void DenseLayer::set_precision(Precision precision, std::size_t max_training_rows) {
  precision_ = precision;
  if (precision_ == Precision::kBf16) bf16_.reserve(max_training_rows, in_, units_);
}

namespace {

// Whether less than `below` of a batch's input is non-zero (0: never).
bool mostly_zeros(ConstMatrixView in, double below) {
  return below > 0.0 && nonzero_fraction(in) < below;
}

}  // namespace

void DenseLayer::use_sparse_forward_by_rows(bool by_rows) {
  if (by_rows) sparse_.reserve_forward_rows(in_);
  sparse_forward_by_rows_ = by_rows;
}

void DenseLayer::choose_sparse_forward(ConstMatrixView sample) {
  if (!sparse_input_ || sample.rows == 0) return;
  sparse_.reserve_forward_rows(in_);
  AlignedFloats out(sample.rows * units_);
  const MatrixView view{out.data(), sample.rows, units_};
  const ConstMatrixView w = params_.value(kernel_);
  // The fastest of several runs each, alternating, after one of each to warm up.
  constexpr int kRuns = 7;
  double shared_columns = 1e30, by_rows = 1e30;
  for (int run = 0; run <= kRuns; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    sparse_.forward(sample, w, view);
    const auto t1 = std::chrono::steady_clock::now();
    sparse_.forward_rows(sample, w, view);
    const auto t2 = std::chrono::steady_clock::now();
    if (run == 0) continue;
    shared_columns = std::min(shared_columns, std::chrono::duration<double>(t1 - t0).count());
    by_rows = std::min(by_rows, std::chrono::duration<double>(t2 - t1).count());
  }
  use_sparse_forward_by_rows(by_rows < shared_columns);
}

// in: (batch, in_), out: (batch, units_). out = f(in W + b).
void DenseLayer::forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) {
  if (sparse_input_ && sparse_forward_by_rows_) {
    sparse_.forward_rows(in, params_.value(kernel_), out);
  } else if (sparse_input_) {
    sparse_.forward(in, params_.value(kernel_), out);
  } else if (mostly_zeros(in, sparse_below_.forward)) {
    sparse_.forward_rows(in, params_.value(kernel_), out);
  } else if (ctx.training && precision_ == Precision::kBf16) {
    bf16_.forward(in, params_.value(kernel_), out);
  } else {
    dense_.forward(in, params_.value(kernel_), out);
  }
  apply_activation(activation_, out, params_.value(bias_).data);
}

// grad_out: (batch, units_) -> dz = grad_out * f'(z); dW = in^T dz (in_, units_);
// db = sum over rows of dz; grad_in = dz W^T (batch, in_).
void DenseLayer::backward(ConstMatrixView in, ConstMatrixView out, MatrixView grad_out,
                          MatrixView grad_in) {
  activation_backward(activation_, out, grad_out);
  const bool accumulate = params_.accumulating();
  const bool bf16 = precision_ == Precision::kBf16;
  if (sparse_input_ || mostly_zeros(in, sparse_below_.weight_gradient)) {
    sparse_.weight_gradient(in, grad_out, accumulate, params_.grad(kernel_),
                            params_.grad_rows_read_here(kernel_));
  } else if (bf16) {
    bf16_.weight_gradient(in, grad_out, accumulate, params_.grad(kernel_));
  } else {
    dense_.weight_gradient(in, grad_out, accumulate, params_.grad(kernel_));
  }
  // The batch's bias gradient is summed apart and then added, so that
  // accumulating equals adding a separately computed gradient.
  float* sum = bias_sum_.data();
  for (std::size_t c = 0; c < units_; ++c) sum[c] = 0.0f;
  for (std::size_t r = 0; r < grad_out.rows; ++r) {
    const float* g = grad_out.row(r);
    for (std::size_t c = 0; c < units_; ++c) sum[c] += g[c];
  }
  float* db = params_.grad(bias_).data;
  for (std::size_t c = 0; c < units_; ++c) db[c] = accumulate ? db[c] + sum[c] : sum[c];
  params_.gradient_written(kernel_);
  params_.gradient_written(bias_);
  if (!grad_in.data) return;
  if (bf16) {
    bf16_.input_gradient(grad_out, params_.value(kernel_), grad_in);
  } else {
    dense_.input_gradient(grad_out, params_.value(kernel_), grad_in);
  }
}

}  // namespace mnist_dp
