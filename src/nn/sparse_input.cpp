// Sparse-input products. The file is compiled with -ffp-contract=fast so that
// every `acc += a * b` is one FMA.
//
// Forward: the rows of one register tile of product_kernel.hpp (8 rows) share
// the list of columns non-zero in any of them, and the kernel runs each row's
// chain down that list, fetching the rows of w it names. A column that is zero
// in one row but not in another adds an exact zero to that row's chain (x w is
// +-0 and a chain that starts at +0 is never -0), so a row's bits equal those
// of a chain over its own non-zeros alone, whatever rows share its tile.
//
// Weight gradient: x's non-zeros are listed per column as (row, value)
// entries; for a tile of up to 128 output columns held in registers, the
// kernel runs down a column's list with one FMA per entry and vector:
// grad_w[k][c] = sum_r x[r][k] dz[r][c] in ascending r.
#include "mnist_dp/nn/sparse_input.hpp"

#include <algorithm>
#include <stdexcept>

#include "product_kernel.hpp"

namespace mnist_dp {
namespace {

using product_kernel::kLanes;
using product_kernel::load;
using product_kernel::store;
using product_kernel::Vec;
constexpr std::size_t kTileVecs = 8;  // a tile: 128 columns, 8 vector registers
constexpr std::size_t kTileCols = kLanes * kTileVecs;

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
  if (columns_.size() < x.cols) columns_.resize(x.cols);
  if (nonzero_.size() < x.cols) nonzero_.resize(x.cols);
  if (packed_.size() < product_kernel::kRows * x.cols)
    packed_.resize(product_kernel::kRows * x.cols);
  for (std::size_t r0 = 0; r0 < x.rows; r0 += product_kernel::kRows) {
    const std::size_t rows = std::min(product_kernel::kRows, x.rows - r0);
    std::fill_n(nonzero_.begin(), x.cols, std::uint8_t{0});
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x.row(r0 + r);
      for (std::size_t k = 0; k < x.cols; ++k) nonzero_[k] |= row[k] != 0.0f;
    }
    std::uint32_t n = 0;
    for (std::size_t k = 0; k < x.cols; ++k) {
      if (nonzero_[k]) columns_[n++] = static_cast<std::uint32_t>(k);
    }
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x.row(r0 + r);
      for (std::uint32_t j = 0; j < n; ++j) packed_[r * n + j] = row[columns_[j]];
    }
    product_kernel::product(
        {packed_.data(), n, 1, w.data, w.cols, out.row(r0), out.cols, columns_.data()}, rows,
        w.cols, n, product_kernel::kBlockK, false);
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
