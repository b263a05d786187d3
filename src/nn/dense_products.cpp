// Dense products (dense_products.hpp). A tile of R rows x V vectors of 16
// columns stays in registers while the kernel runs down the shared index k:
// per k it loads V vectors of the right operand's row k and broadcasts R
// scalars of the left operand, R * V fused multiply-adds. Columns past the
// last multiple of 16 take a masked vector whose unused lanes are zero. The
// file is compiled with -ffp-contract=fast so that `acc += a * b` is one FMA.
//
// Forward and input-gradient products block k: a block's partial sums are
// stored in the output and reloaded exactly, so every element still runs one
// unbroken chain over k in ascending order. The weight gradient's k is the
// batch's rows (at most a few hundred) and is not blocked: its chain starts
// at zero and is then stored or added to the gradient. The input gradient
// runs as grad_in^T = w dz^T through two transposes, so that its right
// operand is read along rows as well.
#include "mnist_dp/nn/dense_products.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mnist_dp {
namespace {

using Vec = float __attribute__((vector_size(64)));  // 16 floats
constexpr std::size_t kLanes = 16;
// 8 x 3 vectors: 24 accumulators, 3 loaded vectors and a broadcast of the
// 32 vector registers. Measured on the 64 x 512 x 512 forward product (one
// thread, Zen 5): 172 us, against 232 us for 8 x 4, 254 us for 6 x 3 and
// 354 us for OpenBLAS's Haswell kernels (217 us for its AVX-512 kernels).
constexpr std::size_t kRows = 8;      // rows per tile
constexpr std::size_t kVecs = 3;      // vectors per tile: 48 columns
constexpr std::size_t kBlockK = 256;  // k per block where k is blocked

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

// The first `lanes` floats at p, the other lanes zero; and the store of them.
#ifdef __AVX512F__
inline __mmask16 mask_of(std::size_t lanes) { return static_cast<__mmask16>((1u << lanes) - 1u); }
inline Vec load_part(const float* p, std::size_t lanes) {
  return _mm512_maskz_loadu_ps(mask_of(lanes), p);
}
inline void store_part(float* p, Vec v, std::size_t lanes) {
  _mm512_mask_storeu_ps(p, mask_of(lanes), v);
}
#else
inline Vec load_part(const float* p, std::size_t lanes) {
  Vec v{};
  for (std::size_t l = 0; l < lanes; ++l) v[l] = p[l];
  return v;
}
inline void store_part(float* p, Vec v, std::size_t lanes) {
  for (std::size_t l = 0; l < lanes; ++l) p[l] = v[l];
}
#endif

enum class Start { kZero, kOutput };  // where each chain starts
enum class Finish { kStore, kAdd };   // what becomes of the chain

// The operands of one product: left(i, k) = a[i * a_row + k * a_k],
// right(k, :) = b + k * ldb, out(i, :) = c + i * ldc.
struct Operands {
  const float* a;
  std::size_t a_row, a_k;
  const float* b;
  std::size_t ldb;
  float* c;
  std::size_t ldc;
};

// Rows [i0, i0 + R) x columns [j0, j0 + V * 16) over k in [k0, k1); with
// `Part`, one more vector of `part` columns (1 to 15) follows.
template <std::size_t R, std::size_t V, bool Part>
void tile(const Operands& o, std::size_t i0, std::size_t j0, std::size_t part, std::size_t k0,
          std::size_t k1, Start start, Finish finish) {
  constexpr std::size_t kAll = V + (Part ? 1 : 0);
  Vec acc[R][kAll];
  for (std::size_t r = 0; r < R; ++r) {
    const float* out = o.c + (i0 + r) * o.ldc + j0;
    for (std::size_t v = 0; v < V; ++v)
      acc[r][v] = start == Start::kOutput ? load(out + v * kLanes) : Vec{};
    if constexpr (Part) {
      acc[r][V] = start == Start::kOutput ? load_part(out + V * kLanes, part) : Vec{};
    }
  }
  const float* a = o.a + i0 * o.a_row;
  for (std::size_t k = k0; k < k1; ++k) {
    const float* row = o.b + k * o.ldb + j0;
    Vec b[kAll];
    for (std::size_t v = 0; v < V; ++v) b[v] = load(row + v * kLanes);
    if constexpr (Part) b[V] = load_part(row + V * kLanes, part);
    for (std::size_t r = 0; r < R; ++r) {
      const Vec x = Vec{} + a[r * o.a_row + k * o.a_k];
      for (std::size_t v = 0; v < kAll; ++v) acc[r][v] += x * b[v];
    }
  }
  for (std::size_t r = 0; r < R; ++r) {
    float* out = o.c + (i0 + r) * o.ldc + j0;
    for (std::size_t v = 0; v < V; ++v) {
      float* at = out + v * kLanes;
      store(at, finish == Finish::kAdd ? load(at) + acc[r][v] : acc[r][v]);
    }
    if constexpr (Part) {
      float* at = out + V * kLanes;
      store_part(at, finish == Finish::kAdd ? load_part(at, part) + acc[r][V] : acc[r][V], part);
    }
  }
}

// All rows of a strip of V whole vectors from column j0 (and a part vector).
template <std::size_t V, bool Part>
void strip(const Operands& o, std::size_t rows, std::size_t j0, std::size_t part, std::size_t k0,
           std::size_t k1, Start start, Finish finish) {
  std::size_t i = 0;
  for (; i + kRows <= rows; i += kRows) tile<kRows, V, Part>(o, i, j0, part, k0, k1, start, finish);
  for (; i < rows; ++i) tile<1, V, Part>(o, i, j0, part, k0, k1, start, finish);
}

using Strip = void (*)(const Operands&, std::size_t, std::size_t, std::size_t, std::size_t,
                       std::size_t, Start, Finish);
// Indexed by [whole vectors][whether a part vector follows]; a strip holds at
// most kVecs vectors in all.
constexpr Strip kStrips[kVecs + 1][2] = {{nullptr, strip<0, true>},
                                         {strip<1, false>, strip<1, true>},
                                         {strip<2, false>, strip<2, true>},
                                         {strip<3, false>, nullptr}};

// out = left right over k in [0, depth), k blocked by `block` (chains run
// through the output between blocks), or with `add`, out += the product.
void product(const Operands& o, std::size_t rows, std::size_t cols, std::size_t depth,
             std::size_t block, bool add) {
  for (std::size_t j0 = 0; j0 < cols; j0 += kVecs * kLanes) {
    const std::size_t width = std::min(kVecs * kLanes, cols - j0);
    const std::size_t part = width % kLanes;
    const Strip run = kStrips[width / kLanes][part ? 1 : 0];
    if (add) {
      run(o, rows, j0, part, 0, depth, Start::kZero, Finish::kAdd);
      continue;
    }
    run(o, rows, j0, part, 0, std::min(depth, block), Start::kZero, Finish::kStore);
    for (std::size_t k0 = block; k0 < depth; k0 += block) {
      run(o, rows, j0, part, k0, std::min(depth, k0 + block), Start::kOutput, Finish::kStore);
    }
  }
}

// to (cols, rows) = from (rows, cols) transposed, in 16 x 16 blocks so that
// the strided side touches 16 cache lines at a time.
void transpose(ConstMatrixView from, float* to) {
  constexpr std::size_t kBlock = 16;
  for (std::size_t r0 = 0; r0 < from.rows; r0 += kBlock) {
    const std::size_t r1 = std::min(from.rows, r0 + kBlock);
    for (std::size_t c0 = 0; c0 < from.cols; c0 += kBlock) {
      const std::size_t c1 = std::min(from.cols, c0 + kBlock);
      for (std::size_t c = c0; c < c1; ++c) {
        for (std::size_t r = r0; r < r1; ++r) to[c * from.rows + r] = from.data[r * from.cols + c];
      }
    }
  }
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
