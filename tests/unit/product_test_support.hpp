// What the product tests (dense_products_test, sparse_input_test) share:
// reproducible random operands, the shape a case runs at, and the check
// that every output element is one FMA chain in ascending order.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "mnist_dp/core/rng.hpp"

namespace mnist_dp {

// n values in (-1, 1), from counter hashes of `stream`; with `density` < 1
// the rest are exact zeros.
inline std::vector<float> random_matrix(std::size_t n, std::uint64_t stream, double density = 1.0) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const bool zero = uniform01(hash_key(9, stream, 2 * i)) >= density;
    v[i] = zero ? 0.0f : 2.0f * uniform01(hash_key(9, stream, 2 * i + 1)) - 1.0f;
  }
  return v;
}

// x is (rows, in), the weights (in, units).
struct Shape {
  std::size_t rows, in, units;
};
inline void PrintTo(const Shape& s, std::ostream* os) {
  *os << s.rows << "x" << s.in << "x" << s.units;
}
// The test-name suffix of a parameterised case: "64x512x10".
inline std::string shape_name(const Shape& s) {
  return std::to_string(s.rows) + "x" + std::to_string(s.in) + "x" + std::to_string(s.units);
}

// Every element (i, j) of `got` (rows x cols) equals, bit for bit, the FMA
// chain over k in [0, depth) of left(i, k) * right(k, j) starting from zero.
template <typename Left, typename Right>
void expect_fma_chains(const char* what, const std::vector<float>& got, std::size_t rows,
                       std::size_t cols, std::size_t depth, Left left, Right right) {
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      float chain = 0.0f;
      for (std::size_t k = 0; k < depth; ++k) chain = std::fma(left(i, k), right(k, j), chain);
      ASSERT_EQ(got[i * cols + j], chain) << what << " element " << i << ", " << j;
    }
  }
}

}  // namespace mnist_dp
