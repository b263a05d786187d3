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
// Forward by rows: each row's non-zeros are listed as (row of w, value) and
// the weight gradient's tile kernel runs down each list for a tile of up to
// 128 output columns; the same chain per element as the dense products.
//
// Weight gradient: x's non-zeros are listed per column as (row, value)
// entries; for a tile of up to 128 output columns held in registers, the
// kernel runs down a column's list with one FMA per entry and vector:
// grad_w[k][c] = sum_r x[r][k] dz[r][c] in ascending r. The tile's columns of
// dz are first packed into a cache-line-aligned buffer (L1-resident, 32 KB
// for 64 rows), which made the kernel about twice as fast.
#include "mnist_dp/nn/sparse_input.hpp"

#include <algorithm>
#include <stdexcept>

#include "mnist_dp/core/streaming_stores.hpp"
#include "product_kernel.hpp"

namespace mnist_dp {
namespace {

using product_kernel::kLanes;
using product_kernel::load;
using product_kernel::load_part;
using product_kernel::store;
using product_kernel::store_part;
using product_kernel::Vec;
constexpr std::size_t kTileVecs = 8;  // a tile: 128 columns, 8 vector registers
constexpr std::size_t kTileCols = kLanes * kTileVecs;
constexpr std::size_t kPanelCols = 128;  // forward: output columns per pass over the tiles

using Entry = SparseEntry;

// Bit l set where x[l] != 0 (NaN included), for the first `lanes` (1 to
// 16) floats at x.
inline std::uint32_t nonzero_bits(const float* x, std::size_t lanes) {
#ifdef __AVX512F__
  const __mmask16 mask = product_kernel::mask_of(lanes);
  return _mm512_mask_cmpneq_ps_mask(mask, _mm512_maskz_loadu_ps(mask, x), _mm512_setzero_ps());
#else
  std::uint32_t bits = 0;
  for (std::size_t l = 0; l < lanes; ++l) bits |= static_cast<std::uint32_t>(x[l] != 0.0f) << l;
  return bits;
#endif
}

// visit(k0 + l) for each bit l set in `bits`, ascending.
template <typename Visit>
void for_each_bit(std::uint32_t bits, std::size_t k0, Visit visit) {
  for (; bits != 0; bits &= bits - 1) visit(k0 + static_cast<std::size_t>(__builtin_ctz(bits)));
}

// visit(k) for each k < n with x[k] != 0, ascending. A vector of x is
// compared at once and its set bits walked, so that the only branches are
// the loops': a branch per element mispredicts on inputs that are zero at
// random (with one, building the lists took 16% of a -np 1 run on Zen 4,
// about 30% of the sparse products' time; walking the bits halved it).
template <typename Visit>
void for_each_nonzero(const float* x, std::size_t n, Visit visit) {
  for (std::size_t k0 = 0; k0 < n; k0 += kLanes) {
    for_each_bit(nonzero_bits(x + k0, std::min(kLanes, n - k0)), k0, visit);
  }
}

// One tile of the weight gradient: for each column k of x, out row k's
// [0, cols) = sum over column k's entries e of e.value * tile[e.offset,
// e.offset + cols), where cols is V * 16 less the lanes the last vector
// leaves out (never read: the rows of `tile` may end there); with
// `accumulate`, out += that sum (rows without entries left as they are).
// Rows k outside `cached` are written with streaming stores where they are
// whole aligned vectors.
template <std::size_t V>
void sum_tile(const Entry* entries, const std::uint32_t* starts, std::size_t columns,
              const float* tile, std::size_t last_lanes, bool accumulate, float* out,
              std::size_t ld_out, IndexRange cached) {
  for (std::size_t k = 0; k < columns; ++k, out += ld_out) {
    const Entry* e = entries + starts[k];
    const Entry* const end = entries + starts[k + 1];
    if (accumulate && e == end) continue;
    Vec acc[V] = {};
    for (; e != end; ++e) {
      const float* row = tile + e->offset;
      const Vec x = product_kernel::broadcast(e->value);
      for (std::size_t j = 0; j + 1 < V; ++j) acc[j] += x * load(row + j * kLanes);
      acc[V - 1] += x * load_part(row + (V - 1) * kLanes, last_lanes);
    }
    if (accumulate) {
      for (std::size_t j = 0; j + 1 < V; ++j) acc[j] += load(out + j * kLanes);
      acc[V - 1] += load_part(out + (V - 1) * kLanes, last_lanes);
    }
    if (!cached.contains(k) && last_lanes == kLanes && cache_line_aligned(out)) {
#pragma GCC unroll 8
      for (std::size_t j = 0; j < V; ++j) product_kernel::stream(out + j * kLanes, acc[j]);
      continue;
    }
    for (std::size_t j = 0; j + 1 < V; ++j) store(out + j * kLanes, acc[j]);
    store_part(out + (V - 1) * kLanes, acc[V - 1], last_lanes);
  }
}

using SumTile = void (*)(const Entry*, const std::uint32_t*, std::size_t, const float*, std::size_t,
                         bool, float*, std::size_t, IndexRange);
constexpr SumTile kSumTile[kTileVecs] = {sum_tile<1>, sum_tile<2>, sum_tile<3>, sum_tile<4>,
                                         sum_tile<5>, sum_tile<6>, sum_tile<7>, sum_tile<8>};

}  // namespace

double nonzero_fraction(ConstMatrixView x) {
  if (x.size() == 0) return 0.0;
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < x.size(); ++i) nonzero += x.data[i] != 0.0f;
  return static_cast<double>(nonzero) / static_cast<double>(x.size());
}

void SparseInputProducts::reserve_forward_rows(std::size_t cols) {
  if (row_starts_.size() < kForwardRowsPerPass + 1) row_starts_.resize(kForwardRowsPerPass + 1);
  if (row_entries_.size() < kForwardRowsPerPass * cols)
    row_entries_.resize(kForwardRowsPerPass * cols);
}

void SparseInputProducts::forward_rows(ConstMatrixView x, ConstMatrixView w, MatrixView out) {
  if (w.rows != x.cols || out.rows != x.rows || out.cols != w.cols) {
    throw std::logic_error("SparseInputProducts::forward_rows: shape mismatch");
  }
  if (row_entries_.size() < kForwardRowsPerPass * x.cols) {
    throw std::logic_error("SparseInputProducts::forward_rows: workspace not reserved");
  }
  for (std::size_t r0 = 0; r0 < x.rows; r0 += kForwardRowsPerPass) {
    const std::size_t rows = std::min(kForwardRowsPerPass, x.rows - r0);
    std::uint32_t n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
      row_starts_[r] = n;
      const float* row = x.row(r0 + r);
      for_each_nonzero(row, x.cols, [&](std::size_t k) {
        row_entries_[n++] = {static_cast<std::uint32_t>(k * w.cols), row[k]};
      });
    }
    row_starts_[rows] = n;
    for (std::size_t c0 = 0; c0 < w.cols; c0 += kTileCols) {
      const std::size_t cols = std::min(kTileCols, w.cols - c0);
      const std::size_t vecs = (cols + kLanes - 1) / kLanes;
      kSumTile[vecs - 1](row_entries_.data(), row_starts_.data(), rows, w.data + c0,
                         cols - (vecs - 1) * kLanes, false, out.row(r0) + c0, out.cols,
                         kAllIndices);
    }
  }
}

void SparseInputProducts::reserve_weight_gradient(std::size_t max_rows, std::size_t cols) {
  if (starts_.size() < cols + 1) starts_.resize(cols + 1);
  if (entries_.size() < max_rows * cols) entries_.resize(max_rows * cols);
  if (dz_tile_.size() < max_rows * kTileCols) dz_tile_.resize(max_rows * kTileCols);
}

void SparseInputProducts::forward(ConstMatrixView x, ConstMatrixView w, MatrixView out) {
  if (w.rows != x.cols || out.rows != x.rows || out.cols != w.cols) {
    throw std::logic_error("SparseInputProducts::forward: shape mismatch");
  }
  constexpr std::size_t kTileRows = product_kernel::kRows;
  const std::size_t tiles = (x.rows + kTileRows - 1) / kTileRows;
  // Per register tile of rows: its list of columns (at tile * x.cols), their
  // count, and its rows' values at them (at tile * kTileRows * x.cols).
  columns_.resize(std::max(columns_.size(), tiles * x.cols));
  column_counts_.resize(std::max(column_counts_.size(), tiles));
  packed_.resize(std::max(packed_.size(), tiles * kTileRows * x.cols));
  const std::size_t vectors = (x.cols + kLanes - 1) / kLanes;
  nonzero_bits_.resize(std::max(nonzero_bits_.size(), vectors));
  const auto lanes = [&](std::size_t v) { return std::min(kLanes, x.cols - v * kLanes); };
  for (std::size_t t = 0; t < tiles; ++t) {
    const std::size_t r0 = t * kTileRows, rows = std::min(kTileRows, x.rows - r0);
    std::fill_n(nonzero_bits_.begin(), vectors, 0u);
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x.row(r0 + r);
      for (std::size_t v = 0; v < vectors; ++v) {
        nonzero_bits_[v] |= nonzero_bits(row + v * kLanes, lanes(v));
      }
    }
    std::uint32_t* columns = columns_.data() + t * x.cols;
    std::uint32_t n = 0;
    for (std::size_t v = 0; v < vectors; ++v) {
      for_each_bit(nonzero_bits_[v], v * kLanes,
                   [&](std::size_t k) { columns[n++] = static_cast<std::uint32_t>(k); });
    }
    column_counts_[t] = n;
    float* packed = packed_.data() + t * kTileRows * x.cols;
    for (std::size_t r = 0; r < rows; ++r) {
      const float* row = x.row(r0 + r);
      float* to = packed + r * n;
      for (std::size_t v = 0; v < vectors; ++v) {
        for_each_bit(nonzero_bits_[v], v * kLanes, [&](std::size_t k) { *to++ = row[k]; });
      }
    }
  }
  // Panels of output columns outside, tiles inside: a panel's rows of w
  // (784 x 128 floats, 400 KB) stay in the L2 cache for every tile.
  for (std::size_t c0 = 0; c0 < w.cols; c0 += kPanelCols) {
    const std::size_t cols = std::min(kPanelCols, w.cols - c0);
    for (std::size_t t = 0; t < tiles; ++t) {
      const std::size_t r0 = t * kTileRows, n = column_counts_[t];
      product_kernel::product({packed_.data() + t * kTileRows * x.cols, n, 1, w.data + c0, w.cols,
                               out.row(r0) + c0, out.cols, columns_.data() + t * x.cols},
                              std::min(kTileRows, x.rows - r0), cols, n, product_kernel::kBlockK,
                              false);
    }
  }
}

void SparseInputProducts::weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate,
                                          MatrixView grad_w, IndexRange cached_rows) {
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
    for_each_nonzero(row, x.cols, [&](std::size_t k) {
      entries[starts_[k]++] = {static_cast<std::uint32_t>(r * kTileCols), row[k]};
    });
  }
  for (std::size_t k = x.cols; k > 0; --k) starts_[k] = starts_[k - 1];  // back to the starts
  starts_[0] = 0;

  // Tiles outside. A tile's columns of dz are packed first, rows kTileCols
  // apart: in place, rows a power of two apart would share few L1 cache sets
  // and keep evicting each other.
  dz_tile_.resize(std::max(dz_tile_.size(), dz.rows * kTileCols));
  for (std::size_t c0 = 0; c0 < dz.cols; c0 += kTileCols) {
    const std::size_t cols = std::min(kTileCols, dz.cols - c0);
    const std::size_t vecs = (cols + kLanes - 1) / kLanes;
    for (std::size_t r = 0; r < dz.rows; ++r) {
      std::copy_n(dz.row(r) + c0, cols, dz_tile_.data() + r * kTileCols);
    }
    kSumTile[vecs - 1](entries, starts_.data(), x.cols, dz_tile_.data(), cols - (vecs - 1) * kLanes,
                       accumulate, grad_w.data + c0, grad_w.cols, cached_rows);
  }
  streaming_stores_done();
}

}  // namespace mnist_dp
