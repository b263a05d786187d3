// The products of a Dense layer: the forward pass (x W), the weight gradient
// (x^T dz) and the input gradient (dz W^T), vectorised over 16 output columns
// and tiled over rows. Each output element is one float register lane that
// sums its terms with fused multiply-adds in ascending index order, starting
// from zero, so its bits depend only on its own row of the left operand and
// column of the right one: never on the batch around it, the tiling,
// threads or rank (a BLAS library promises that only for identical calls).
#pragma once

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// The instructions the products were compiled to ("AVX-512 with FMA"): the
// bits of every sum depend on whether multiply-adds are fused, so runs that
// must match byte for byte need builds that say the same here.
const char* dense_products_isa();

class DenseProducts {
 public:
  // out (x.rows, w.cols) = x w, with w (x.cols, units).
  void forward(ConstMatrixView x, ConstMatrixView w, MatrixView out);
  // grad_w (x.cols, dz.cols) = x^T dz, or grad_w += x^T dz with `accumulate`
  // (the sum computed apart, then added: one rounding per element, so that
  // accumulating equals adding a separately computed gradient).
  void weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate, MatrixView grad_w);
  // grad_in (dz.rows, w.rows) = dz w^T: element (i, k) sums dz(i, c) w(k, c)
  // over c in ascending order.
  void input_gradient(ConstMatrixView dz, ConstMatrixView w, MatrixView grad_in);

 private:
  // Workspace of input_gradient, grown on first use and then reused: a step
  // allocates nothing.
  AlignedFloats dz_t_, grad_in_t_;
};

}  // namespace mnist_dp
