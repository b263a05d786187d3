// Products with a mostly-zero input batch: the forward pass (x W) and weight
// gradient (x^T dz) of the first Dense layer on MNIST (pixels 81% zeros) and
// of a layer fed ReLU and dropout outputs (60-80% zeros on MNIST) touch only
// the non-zero inputs. Each output element is a sum over the non-zero
// terms in ascending index order, accumulated in one float register lane, so
// the bits depend only on the rows given (never on batching, threads or
// which rank computes them).
#pragma once

#include <cstdint>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// One non-zero of x in a list: where the row of the other operand it
// multiplies starts (in the weight gradient, its row's part of the packed
// tile of dz; in forward_rows, its row of w), and its value.
struct SparseEntry {
  std::uint32_t offset;
  float value;
};

// forward_rows lists this many rows at a time, so its workspace has a fixed size.
constexpr std::size_t kForwardRowsPerPass = 64;

// The fraction of x's elements that are not zero.
double nonzero_fraction(ConstMatrixView x);

class SparseInputProducts {
 public:
  // out (x.rows, w.cols) = x w. w is (x.cols, units). For inputs whose
  // non-zeros cluster in few columns (pixels), rows share column lists.
  void forward(ConstMatrixView x, ConstMatrixView w, MatrixView out);
  // The same product with each row run down its own non-zeros: for inputs
  // whose rows have few non-zeros but hardly share them (ReLU and dropout
  // outputs). Needs reserve_forward_rows first.
  void forward_rows(ConstMatrixView x, ConstMatrixView w, MatrixView out);
  void reserve_forward_rows(std::size_t cols);
  // grad_w (x.cols, dz.cols) = x^T dz, or grad_w += x^T dz with `accumulate`
  // (the sum computed apart, then added: one rounding per element). Rows of
  // grad_w whose input column is all zero are set to zero (kept when
  // accumulating). Rows outside `cached_rows` are the ones another core
  // reads next: they are written with streaming stores
  // (core/streaming_stores.hpp); the values are the same either way.
  void weight_gradient(ConstMatrixView x, ConstMatrixView dz, bool accumulate, MatrixView grad_w,
                       IndexRange cached_rows = kAllIndices);
  // Sizes weight_gradient's workspace for up to max_rows rows of `cols`
  // inputs, whatever their non-zeros, so that no later call allocates.
  void reserve_weight_gradient(std::size_t max_rows, std::size_t cols);

 private:
  // Workspace, reserved at set-up (forward_rows requires it) or grown on
  // first use, then reused: a step allocates nothing.
  std::vector<SparseEntry> entries_;          // weight gradient: the entries of each column
  std::vector<std::uint32_t> starts_;         // weight gradient: each column's first entry
  AlignedFloats dz_tile_;                     // weight gradient: one tile's columns of dz, packed
  std::vector<std::uint32_t> columns_;        // forward: each tile's non-zero columns
  std::vector<std::uint32_t> column_counts_;  // forward: how many each tile has
  std::vector<std::uint32_t> nonzero_bits_;   // forward: which are, 16 columns per element
  AlignedFloats packed_;                      // forward: each tile's rows at its columns
  std::vector<SparseEntry> row_entries_;      // forward_rows: the entries of each row of a pass
  std::vector<std::uint32_t> row_starts_;     // forward_rows: each row's first entry
};

}  // namespace mnist_dp
