// The register-tiled product kernel behind nn/dense_products and
// nn/sparse_input (private to src/nn). A tile of R rows x V vectors of 16
// columns stays in registers while the kernel runs down the shared index k:
// per k it loads V vectors of the right operand's row k and broadcasts R
// scalars of the left operand, R * V fused multiply-adds. Columns past the
// last multiple of 16 take a masked vector whose unused lanes are zero.
// Files including this are compiled with -ffp-contract=fast so that
// `acc += a * b` is one FMA.
//
// Every output element is one chain of FMAs over k in ascending order,
// starting from zero; blocking k stores a block's partial sums in the output
// and reloads them exactly, so the chain is unbroken. Its bits therefore
// depend only on the element's own row of the left operand and column of the
// right one, never on the tiling or the rows computed with it.
#pragma once

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace mnist_dp::product_kernel {

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
// x in every lane.
#ifdef __AVX512F__
inline Vec broadcast(float x) { return _mm512_set1_ps(x); }
#else
inline Vec broadcast(float x) { return Vec{} + x; }
#endif

// A store past this core's caches (core/streaming_stores.hpp); p on a 64-byte boundary.
#ifdef __AVX512F__
inline void stream(float* p, Vec v) { _mm512_stream_ps(p, v); }
#else
inline void stream(float* p, Vec v) { store(p, v); }
#endif

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
// right(k, :) = b + k * ldb, or b + b_rows[k] * ldb when b_rows is given
// (the right operand's rows picked by a list), out(i, :) = c + i * ldc.
struct Operands {
  const float* a;
  std::size_t a_row, a_k;
  const float* b;
  std::size_t ldb;
  float* c;
  std::size_t ldc;
  const std::uint32_t* b_rows = nullptr;
};

// Rows [i0, i0 + R) x columns [j0, j0 + V * 16) over k in [k0, k1); with
// `Part`, one more vector of `part` columns (1 to 15) follows.
template <std::size_t R, std::size_t V, bool Part, bool Picked>
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
    const float* row = o.b + (Picked ? o.b_rows[k] : k) * o.ldb + j0;
    Vec b[kAll];
    for (std::size_t v = 0; v < V; ++v) b[v] = load(row + v * kLanes);
    if constexpr (Part) b[V] = load_part(row + V * kLanes, part);
    for (std::size_t r = 0; r < R; ++r) {
      const Vec x = broadcast(a[r * o.a_row + k * o.a_k]);
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
template <std::size_t V, bool Part, bool Picked>
void strip(const Operands& o, std::size_t rows, std::size_t j0, std::size_t part, std::size_t k0,
           std::size_t k1, Start start, Finish finish) {
  std::size_t i = 0;
  for (; i + kRows <= rows; i += kRows)
    tile<kRows, V, Part, Picked>(o, i, j0, part, k0, k1, start, finish);
  for (; i < rows; ++i) tile<1, V, Part, Picked>(o, i, j0, part, k0, k1, start, finish);
}

using Strip = void (*)(const Operands&, std::size_t, std::size_t, std::size_t, std::size_t,
                       std::size_t, Start, Finish);
// Indexed by [whole vectors][whether a part vector follows]; a strip holds at
// most kVecs vectors in all.
template <bool Picked>
constexpr Strip kStrips[kVecs + 1][2] = {{nullptr, strip<0, true, Picked>},
                                         {strip<1, false, Picked>, strip<1, true, Picked>},
                                         {strip<2, false, Picked>, strip<2, true, Picked>},
                                         {strip<3, false, Picked>, nullptr}};

// Cuts `cols` columns into as few strips of at most kVecs vectors as will
// hold them, as even as possible (64 columns: 2 + 2 vectors, not 3 + 1, which
// would leave one strip with 8 accumulators, too few to hide FMA latency:
// the input gradient at 64 x 512 x 512 takes ~205 us instead of ~226 us), and
// calls visit(first column, width, vectors) for each, left to right.
template <typename Visit>
void for_each_strip(std::size_t cols, Visit visit) {
  const std::size_t vectors = (cols + kLanes - 1) / kLanes;
  const std::size_t strips = (vectors + kVecs - 1) / kVecs;
  std::size_t j0 = 0;
  for (std::size_t s = 0; s < strips; ++s) {
    const std::size_t strip_vectors = vectors / strips + (s < vectors % strips ? 1 : 0);
    const std::size_t width = std::min(strip_vectors * kLanes, cols - j0);
    visit(j0, width, strip_vectors);
    j0 += width;
  }
}

// out = left right over k in [0, depth), k blocked by `block` (chains run
// through the output between blocks), or with `add`, out += the product.
inline void product(const Operands& o, std::size_t rows, std::size_t cols, std::size_t depth,
                    std::size_t block, bool add) {
  for_each_strip(cols, [&](std::size_t j0, std::size_t width, std::size_t) {
    const std::size_t part = width % kLanes;
    const Strip run = o.b_rows ? kStrips<true>[width / kLanes][part ? 1 : 0]
                               : kStrips<false>[width / kLanes][part ? 1 : 0];
    if (add) {
      run(o, rows, j0, part, 0, depth, Start::kZero, Finish::kAdd);
    } else {
      run(o, rows, j0, part, 0, std::min(depth, block), Start::kZero, Finish::kStore);
      for (std::size_t k0 = block; k0 < depth; k0 += block) {
        run(o, rows, j0, part, k0, std::min(depth, k0 + block), Start::kOutput, Finish::kStore);
      }
    }
  });
}

}  // namespace mnist_dp::product_kernel
