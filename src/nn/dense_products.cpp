// Dense products (dense_products.hpp) on the tiled kernel of
// product_kernel.hpp. Forward and input-gradient products block k; the weight
// gradient's k is the batch's rows (at most a few hundred) and is not
// blocked: its chain starts at zero and is then stored or added to the
// gradient. The input gradient runs as grad_in^T = w dz^T through two
// transposes, so that its right operand is read along rows as well.
#include "mnist_dp/nn/dense_products.hpp"

#include <algorithm>
#include <stdexcept>

#include "product_kernel.hpp"
#include "transpose_kernel.hpp"

namespace mnist_dp {
namespace {

using product_kernel::kBlockK;
using product_kernel::product;

// to (from.cols, from.rows) = from transposed.
void transpose(ConstMatrixView from, float* to) {
  transpose_kernel::transpose(from.data, from.rows, from.cols, from.cols, to, from.rows);
}

}  // namespace

const char* dense_products_isa() {
#if defined(__AVX512F__) && defined(__FMA__)
  return "AVX-512 with FMA";
#elif defined(__AVX2__) && defined(__FMA__)
  return "AVX2 with FMA";
#elif defined(__FMA__)
  return "FMA";
#else
  return "generic (no FMA)";
#endif
}

void DenseProducts::forward(ConstMatrixView x, ConstMatrixView w, MatrixView out) {
  if (w.rows != x.cols || out.rows != x.rows || out.cols != w.cols) {
    throw std::logic_error("DenseProducts::forward: shape mismatch");
  }
  product({x.data, x.cols, 1, w.data, w.cols, out.data, out.cols}, x.rows, w.cols, x.cols, kBlockK,
          false);
}

void DenseProducts::weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate,
                                    MatrixView grad_w) {
  if (dz.rows != x.rows || grad_w.rows != x.cols || grad_w.cols != dz.cols) {
    throw std::logic_error("DenseProducts::weight_gradient: shape mismatch");
  }
  product({x.data, 1, x.cols, dz.data, dz.cols, grad_w.data, grad_w.cols}, x.cols, dz.cols, x.rows,
          std::max<std::size_t>(x.rows, 1), accumulate);
}

void DenseProducts::input_gradient(ConstMatrixView dz, ConstMatrixView w, MatrixView grad_in) {
  if (w.cols != dz.cols || grad_in.rows != dz.rows || grad_in.cols != w.rows) {
    throw std::logic_error("DenseProducts::input_gradient: shape mismatch");
  }
  if (dz_t_.size() < dz.size()) dz_t_.resize(dz.size());
  if (grad_in_t_.size() < grad_in.size()) grad_in_t_.resize(grad_in.size());
  transpose(dz, dz_t_.data());
  // grad_in^T (w.rows, dz.rows) = w (w.rows, units) dz^T (units, dz.rows).
  product({w.data, w.cols, 1, dz_t_.data(), dz.rows, grad_in_t_.data(), dz.rows}, w.rows, dz.rows,
          w.cols, kBlockK, false);
  transpose({grad_in_t_.data(), grad_in.cols, grad_in.rows}, grad_in.data);
}

}  // namespace mnist_dp
