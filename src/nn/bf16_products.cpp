// bf16 products (bf16_products.hpp). Operands are packed into pairs of bf16
// halves first: along a row (x for the forward pass, w and dz for the input
// gradient: neighbouring floats pair up) or across two rows (w for the
// forward pass, x and dz for the weight gradient: element j of rows 2p and
// 2p + 1). A tile of R rows x V vectors of 16 float accumulators then runs
// down the pairs: per pair it loads V vectors of the right operand's pair
// row and broadcasts R pair words of the left one, R * V vdpbf16ps. An odd
// count pads the last pair with a zero half.
#include "mnist_dp/nn/bf16_products.hpp"

#include <algorithm>
#include <stdexcept>

#include "product_kernel.hpp"
#include "transpose_kernel.hpp"

#ifdef __AVX512BF16__
#include <immintrin.h>
#endif

namespace mnist_dp {

bool bf16_products_available() {
#ifdef __AVX512BF16__
  return true;
#else
  return false;
#endif
}

#ifdef __AVX512BF16__
namespace {

using product_kernel::kLanes;
using product_kernel::kRows;  // rows per tile
using product_kernel::kVecs;  // at most 3 vectors per tile: 24 accumulators
using product_kernel::mask_of;

// The 32 floats at x (the first `count`, the rest zero) as 16 pair words.
__m512i pairs_along(const float* x, std::size_t count) {
  const std::size_t low = std::min(count, kLanes), high = count > kLanes ? count - kLanes : 0;
  const __m512 lo = _mm512_maskz_loadu_ps(mask_of(low), x);
  const __m512 hi = _mm512_maskz_loadu_ps(mask_of(high), x + kLanes);
  return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo));
}

// out (rows, ceil(cols / 2)) = pairs along each row of x (rows, cols).
void pack_along_rows(ConstMatrixView x, std::uint32_t* out) {
  const std::size_t pairs = (x.cols + 1) / 2;
  for (std::size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    std::uint32_t* to = out + r * pairs;
    for (std::size_t k = 0; k < x.cols; k += 2 * kLanes) {
      const std::size_t count = std::min(2 * kLanes, x.cols - k);
      _mm512_mask_storeu_epi32(to + k / 2, mask_of((count + 1) / 2), pairs_along(row + k, count));
    }
  }
}

// out (ceil(rows / 2), cols): word (p, j) pairs x(2p, j) and x(2p + 1, j).
void pack_across_rows(ConstMatrixView x, std::uint32_t* out) {
  // Halves 0-15 from the even row, 16-31 from the odd one, interleaved.
  const __m512i interleave =
      _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6,
                       21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (std::size_t p = 0; 2 * p < x.rows; ++p) {
    const float* even = x.row(2 * p);
    const float* odd = 2 * p + 1 < x.rows ? x.row(2 * p + 1) : nullptr;
    std::uint32_t* to = out + p * x.cols;
    for (std::size_t j = 0; j < x.cols; j += kLanes) {
      const __mmask16 mask = mask_of(std::min(kLanes, x.cols - j));
      const __m512 lo = _mm512_maskz_loadu_ps(mask, even + j);
      const __m512 hi = odd ? _mm512_maskz_loadu_ps(mask, odd + j) : _mm512_setzero_ps();
      const __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo));
      _mm512_mask_storeu_epi32(to + j, mask, _mm512_permutexvar_epi16(interleave, halves));
    }
  }
}

// left(i, p) = a[i * a_row + p * a_k]; right pair row p = b + p * ldb;
// out(i, :) = c + i * ldc.
struct PairOperands {
  const std::uint32_t* a;
  std::size_t a_row, a_k;
  const std::uint32_t* b;
  std::size_t ldb;
  float* c;
  std::size_t ldc;
};

// Rows [i0, i0 + R) x columns [j0, j0 + V * 16), the last vector `part`
// columns wide (1 to 16), over all pairs; with `add`, out += the sums.
template <std::size_t R, std::size_t V>
void tile(const PairOperands& o, std::size_t i0, std::size_t j0, std::size_t part,
          std::size_t pairs, bool add) {
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r) {
#pragma GCC unroll 3
    for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  const __mmask16 last = mask_of(part);
  const std::uint32_t* a = o.a + i0 * o.a_row;
  for (std::size_t p = 0; p < pairs; ++p) {
    const std::uint32_t* row = o.b + p * o.ldb + j0;
    __m512bh b[V];
#pragma GCC unroll 3
    for (std::size_t v = 0; v + 1 < V; ++v) b[v] = (__m512bh)_mm512_loadu_si512(row + v * kLanes);
    b[V - 1] = (__m512bh)_mm512_maskz_loadu_epi32(last, row + (V - 1) * kLanes);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < R; ++r) {
      const __m512bh x = (__m512bh)_mm512_set1_epi32(static_cast<int>(a[r * o.a_row + p * o.a_k]));
#pragma GCC unroll 3
      for (std::size_t v = 0; v < V; ++v) acc[r][v] = _mm512_dpbf16_ps(acc[r][v], x, b[v]);
    }
  }
#pragma GCC unroll 8
  for (std::size_t r = 0; r < R; ++r) {
    float* out = o.c + (i0 + r) * o.ldc + j0;
#pragma GCC unroll 3
    for (std::size_t v = 0; v < V; ++v) {
      const __mmask16 mask = v + 1 < V ? mask_of(kLanes) : last;
      __m512 sum = acc[r][v];
      if (add) sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, out + v * kLanes), sum);
      _mm512_mask_storeu_ps(out + v * kLanes, mask, sum);
    }
  }
}

template <std::size_t V>
void strip(const PairOperands& o, std::size_t rows, std::size_t j0, std::size_t part,
           std::size_t pairs, bool add) {
  std::size_t i = 0;
  for (; i + kRows <= rows; i += kRows) tile<kRows, V>(o, i, j0, part, pairs, add);
  for (; i < rows; ++i) tile<1, V>(o, i, j0, part, pairs, add);
}

// out (rows, cols) = left right over `pairs`, or out += it with `add`; the
// columns cut into strips as the float products cut them.
void product(const PairOperands& o, std::size_t rows, std::size_t cols, std::size_t pairs,
             bool add) {
  using Strip =
      void (*)(const PairOperands&, std::size_t, std::size_t, std::size_t, std::size_t, bool);
  constexpr Strip kStrips[kVecs] = {strip<1>, strip<2>, strip<3>};
  product_kernel::for_each_strip(cols, [&](std::size_t j0, std::size_t width, std::size_t vectors) {
    kStrips[vectors - 1](o, rows, j0, width - (vectors - 1) * kLanes, pairs, add);
  });
}

template <typename Buffer>
void grow_to(Buffer& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
}

}  // namespace

Bf16Products::Sizes Bf16Products::forward_sizes(std::size_t rows, std::size_t inputs,
                                                std::size_t units) {
  const std::size_t pairs = (inputs + 1) / 2;  // x and w paired along the inputs
  return {rows * pairs, pairs * units, 0, 0};
}

Bf16Products::Sizes Bf16Products::weight_gradient_sizes(std::size_t rows, std::size_t inputs,
                                                        std::size_t units) {
  const std::size_t pairs = (rows + 1) / 2;  // x and dz paired across rows
  return {pairs * inputs, pairs * units, 0, 0};
}

Bf16Products::Sizes Bf16Products::input_gradient_sizes(std::size_t rows, std::size_t inputs,
                                                       std::size_t units) {
  const std::size_t pairs = (units + 1) / 2;  // w and dz paired along the units
  return {inputs * pairs, rows * pairs, pairs * rows, rows * inputs};
}

void Bf16Products::grow(const Sizes& sizes) {
  grow_to(left_, sizes.left);
  grow_to(right_, sizes.right);
  grow_to(right_t_, sizes.right_t);
  grow_to(out_t_, sizes.out_t);
}

void Bf16Products::reserve(std::size_t max_rows, std::size_t inputs, std::size_t units) {
  grow(forward_sizes(max_rows, inputs, units));
  grow(weight_gradient_sizes(max_rows, inputs, units));
  grow(input_gradient_sizes(max_rows, inputs, units));
}

void Bf16Products::forward(ConstMatrixView x, ConstMatrixView w, MatrixView out) {
  if (w.rows != x.cols || out.rows != x.rows || out.cols != w.cols) {
    throw std::logic_error("Bf16Products::forward: shape mismatch");
  }
  const std::size_t pairs = (x.cols + 1) / 2;
  grow(forward_sizes(x.rows, x.cols, w.cols));
  pack_along_rows(x, left_.data());
  pack_across_rows(w, right_.data());
  product({left_.data(), pairs, 1, right_.data(), w.cols, out.data, out.cols}, x.rows, w.cols,
          pairs, false);
}

void Bf16Products::weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate,
                                   MatrixView grad_w) {
  if (dz.rows != x.rows || grad_w.rows != x.cols || grad_w.cols != dz.cols) {
    throw std::logic_error("Bf16Products::weight_gradient: shape mismatch");
  }
  const std::size_t pairs = (x.rows + 1) / 2;
  grow(weight_gradient_sizes(x.rows, x.cols, dz.cols));
  pack_across_rows(x, left_.data());
  pack_across_rows(dz, right_.data());
  product({left_.data(), 1, x.cols, right_.data(), dz.cols, grad_w.data, grad_w.cols}, x.cols,
          dz.cols, pairs, accumulate);
}

void Bf16Products::input_gradient(ConstMatrixView dz, ConstMatrixView w, MatrixView grad_in) {
  if (w.cols != dz.cols || grad_in.rows != dz.rows || grad_in.cols != w.rows) {
    throw std::logic_error("Bf16Products::input_gradient: shape mismatch");
  }
  // grad_in^T (w.rows, dz.rows) = w dz^T: left w paired along its rows,
  // right pair row p = word p of every row of dz paired along its rows.
  const std::size_t pairs = (w.cols + 1) / 2;
  grow(input_gradient_sizes(dz.rows, w.rows, w.cols));
  pack_along_rows(w, left_.data());
  pack_along_rows(dz, right_.data());
  transpose_kernel::transpose(right_.data(), dz.rows, pairs, pairs, right_t_.data(), dz.rows);
  product({left_.data(), pairs, 1, right_t_.data(), dz.rows, out_t_.data(), dz.rows}, w.rows,
          dz.rows, pairs, false);
  transpose_kernel::transpose(out_t_.data(), w.rows, dz.rows, dz.rows, grad_in.data, grad_in.cols);
}

#else

void Bf16Products::reserve(std::size_t, std::size_t, std::size_t) {
  throw std::logic_error("bf16 products need a build with AVX512-BF16");
}
void Bf16Products::forward(ConstMatrixView, ConstMatrixView, MatrixView) {
  throw std::logic_error("bf16 products need a build with AVX512-BF16");
}
void Bf16Products::weight_gradient(ConstMatrixView, ConstMatrixView, bool, MatrixView) {
  throw std::logic_error("bf16 products need a build with AVX512-BF16");
}
void Bf16Products::input_gradient(ConstMatrixView, ConstMatrixView, MatrixView) {
  throw std::logic_error("bf16 products need a build with AVX512-BF16");
}

#endif

}  // namespace mnist_dp
