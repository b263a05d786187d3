// The Dense layer's dense products in bf16 (training.precision: bf16): both
// operands rounded to bfloat16 (8-bit significand, round to nearest even),
// products summed in float32 by AVX512-BF16's vdpbf16ps, which multiplies
// and adds two pairs of halves per float lane: twice the multiply-adds of
// an FMA per instruction. Each output element sums its pairs of terms
// (index 2p and 2p + 1) in ascending p, starting from zero, so, as with the
// float products, its bits depend only on its own row and column of the
// operands, never on the batch around it, the tiling or the rank count.
#pragma once

#include <cstdint>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// Whether this build has the bf16 products (compiled for a CPU with
// AVX512-BF16); without them, training.precision: bf16 is refused.
bool bf16_products_available();

// Pairs of bf16 halves, one per 32-bit word: the lower half is the term of
// the even index.
using AlignedPairs = std::vector<std::uint32_t, CacheLineAllocator<std::uint32_t>>;

class Bf16Products {
 public:
  // The same products as DenseProducts (dense_products.hpp), in bf16.
  void forward(ConstMatrixView x, ConstMatrixView w, MatrixView out);
  void weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate, MatrixView grad_w);
  void input_gradient(ConstMatrixView dz, ConstMatrixView w, MatrixView grad_in);
  // Sizes the workspace for up to max_rows rows of a layer of `inputs` and
  // `units`, so that no later call allocates.
  void reserve(std::size_t max_rows, std::size_t inputs, std::size_t units);

 private:
  // What a product needs of the workspace for `rows` rows of a layer of
  // `inputs` and `units`: pair words of left_, right_ and right_t_, floats
  // of out_t_. reserve and the products size it from the same functions.
  struct Sizes {
    std::size_t left, right, right_t, out_t;
  };
  static Sizes forward_sizes(std::size_t rows, std::size_t inputs, std::size_t units);
  static Sizes weight_gradient_sizes(std::size_t rows, std::size_t inputs, std::size_t units);
  static Sizes input_gradient_sizes(std::size_t rows, std::size_t inputs, std::size_t units);
  void grow(const Sizes& sizes);

  // Workspace, reserved at set-up or grown on first use, then reused.
  AlignedPairs left_, right_, right_t_;
  AlignedFloats out_t_;  // input gradient: grad_in transposed
};

}  // namespace mnist_dp
