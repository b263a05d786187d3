// Non-owning row-major matrix views over float memory. Layers and the model
// pass these around; the memory itself lives in flat buffers owned elsewhere.
#pragma once

#include <cstddef>
#include <limits>

namespace mnist_dp {

// Indices [begin, end) of rows or elements.
struct IndexRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const { return end - begin; }
  bool contains(std::size_t i) const { return begin <= i && i < end; }
};
inline constexpr IndexRange kAllIndices{0, std::numeric_limits<std::size_t>::max()};

struct MatrixView {
  float* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  float* row(std::size_t r) const { return data + r * cols; }
  std::size_t size() const { return rows * cols; }
};

struct ConstMatrixView {
  const float* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  ConstMatrixView() = default;
  ConstMatrixView(const float* d, std::size_t r, std::size_t c) : data(d), rows(r), cols(c) {}
  ConstMatrixView(MatrixView m)
      : data(m.data), rows(m.rows), cols(m.cols) {}  // NOLINT: implicit by design

  const float* row(std::size_t r) const { return data + r * cols; }
  std::size_t size() const { return rows * cols; }
};

}  // namespace mnist_dp
