// Sparse-input products. Both kernels gather the non-zero inputs into a list
// of (index, value) entries and then, for a tile of up to 128 output columns
// held in registers, run down that list with one fused multiply-add per
// entry and vector: out[c] = sum_k x[k] w[k][c] in ascending k. The file is
// compiled with -ffp-contract=fast so that those are FMAs; the tile width
// never changes which terms an output element sums, or their order.
#include "mnist_dp/nn/sparse_input.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace mnist_dp {
namespace {

using Vec = float __attribute__((vector_size(64)));  // 16 floats
constexpr std::size_t kLanes = 16;
constexpr std::size_t kTileVecs = 8;  // a tile: 128 columns, 8 vector registers
constexpr std::size_t kTileCols = kLanes * kTileVecs;
constexpr std::size_t kRowBlock = 32;  // forward: rows listed at once

inline Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }

using Entry = SparseEntry;

// out[0, cols) = sum over entries e of e.value * rows(e.index)[0, cols),
// where rows(i) = base + i * stride; with `accumulate`, out += that sum.
// V vector registers cover the first V * 16 columns, a scalar loop the rest.
template <std::size_t V>
void sum_rows(const Entry* e, const Entry* end, const float* base, std::size_t stride,
              std::size_t cols, bool accumulate, float* out) {
  Vec acc[V > 0 ? V : 1] = {};
  float tail[kLanes] = {};
  const std::size_t tail_cols = cols - V * kLanes;
  for (; e != end; ++e) {
    const float* row = base + static_cast<std::size_t>(e->index) * stride;
    const float x = e->value;
    const Vec b = Vec{} + x;
    for (std::size_t j = 0; j < V; ++j) acc[j] += b * load(row + j * kLanes);
    for (std::size_t c = 0; c < tail_cols; ++c) tail[c] += x * row[V * kLanes + c];
  }
  for (std::size_t j = 0; j < V; ++j) {
    float* o = out + j * kLanes;
    store(o, accumulate ? load(o) + acc[j] : acc[j]);
  }
  for (std::size_t c = 0; c < tail_cols; ++c) {
    float* o = out + V * kLanes + c;
    *o = accumulate ? *o + tail[c] : tail[c];
  }
}

using SumRows = void (*)(const Entry*, const Entry*, const float*, std::size_t, std::size_t, bool,
                         float*);
constexpr SumRows kSumRows[kTileVecs + 1] = {sum_rows<0>, sum_rows<1>, sum_rows<2>,
                                             sum_rows<3>, sum_rows<4>, sum_rows<5>,
                                             sum_rows<6>, sum_rows<7>, sum_rows<8>};

// Tile [c0, c0 + cols) of the output through the kernel for its width.
void sum_tile(const Entry* e, const Entry* end, const float* base, std::size_t stride,
              std::size_t c0, std::size_t cols, bool accumulate, float* out) {
  kSumRows[cols / kLanes](e, end, base + c0, stride, cols, accumulate, out + c0);
}

}  // namespace

void SparseInputProducts::forward(ConstMatrixView x, ConstMatrixView w, MatrixView out) {
  if (w.rows != x.cols || out.rows != x.rows || out.cols != w.cols) {
    throw std::logic_error("SparseInputProducts::forward: shape mismatch");
  }
  if (entries_.size() < kRowBlock * x.cols) entries_.resize(kRowBlock * x.cols);
  if (starts_.size() < kRowBlock + 1) starts_.resize(kRowBlock + 1);
  Entry* entries = entries_.data();
  for (std::size_t r0 = 0; r0 < x.rows; r0 += kRowBlock) {
    const std::size_t block = std::min(kRowBlock, x.rows - r0);
    std::uint32_t n = 0;
    for (std::size_t r = 0; r < block; ++r) {
      starts_[r] = n;
      const float* row = x.row(r0 + r);
      for (std::size_t k = 0; k < x.cols; ++k) {
        if (row[k] != 0.0f) entries[n++] = {static_cast<std::uint32_t>(k), row[k]};
      }
    }
    starts_[block] = n;
    for (std::size_t c0 = 0; c0 < w.cols; c0 += kTileCols) {
      const std::size_t cols = std::min(kTileCols, w.cols - c0);
      for (std::size_t r = 0; r < block; ++r) {
        sum_tile(entries + starts_[r], entries + starts_[r + 1], w.data, w.cols, c0, cols, false,
                 out.row(r0 + r));
      }
    }
  }
}

void SparseInputProducts::weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate,
                                          MatrixView grad_w) {
  if (dz.rows != x.rows || grad_w.rows != x.cols || grad_w.cols != dz.cols) {
    throw std::logic_error("SparseInputProducts::weight_gradient: shape mismatch");
  }
  // Column lists of x (rows ascending in each), built by counting first.
  if (starts_.size() < x.cols + 1) starts_.resize(x.cols + 1);
  std::fill(starts_.begin(), starts_.begin() + static_cast<std::ptrdiff_t>(x.cols + 1), 0u);
  for (std::size_t r = 0; r < x.rows; ++r) {
    const float* row = x.row(r);
    for (std::size_t k = 0; k < x.cols; ++k) starts_[k + 1] += row[k] != 0.0f;
  }
  for (std::size_t k = 0; k < x.cols; ++k) starts_[k + 1] += starts_[k];
  if (entries_.size() < starts_[x.cols]) entries_.resize(starts_[x.cols]);
  Entry* entries = entries_.data();
  for (std::size_t r = 0; r < x.rows; ++r) {  // starts_[k] walks to the end of column k
    const float* row = x.row(r);
    for (std::size_t k = 0; k < x.cols; ++k) {
      if (row[k] != 0.0f) entries[starts_[k]++] = {static_cast<std::uint32_t>(r), row[k]};
    }
  }
  for (std::size_t k = x.cols; k > 0; --k) starts_[k] = starts_[k - 1];  // back to the starts
  starts_[0] = 0;

  // Tiles outside, so that a tile's columns of dz stay in the L1 cache.
  for (std::size_t c0 = 0; c0 < dz.cols; c0 += kTileCols) {
    const std::size_t cols = std::min(kTileCols, dz.cols - c0);
    for (std::size_t k = 0; k < x.cols; ++k) {
      if (starts_[k] == starts_[k + 1]) {
        if (!accumulate) std::fill(grad_w.row(k) + c0, grad_w.row(k) + c0 + cols, 0.0f);
        continue;
      }
      sum_tile(entries + starts_[k], entries + starts_[k + 1], dz.data, dz.cols, c0, cols,
               accumulate, grad_w.row(k));
    }
  }
}

}  // namespace mnist_dp
