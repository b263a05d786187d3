// Matrix transposition for the products of src/nn (private to src/nn):
// to(c, r) = from(r, c), in 16 x 16 blocks so that the strided side touches
// 16 cache lines at a time; a whole block is transposed in 16 vector
// registers by four rounds of shuffles (unpack, unpack pairs, two of 128-bit
// quarters: vunpcklps, vunpcklpd and vshuff32x4 with AVX-512). Copies values
// only, so the bits never change; T is any 4-byte type (floats, or the bf16
// products' pairs of halves).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace mnist_dp::transpose_kernel {

constexpr std::size_t kBlock = 16;
using Vec = float __attribute__((vector_size(64)));  // 16 floats

// One whole 16 x 16 block.
template <typename T>
void whole_block(const T* from, std::size_t ld_from, T* to, std::size_t ld_to) {
  static_assert(sizeof(T) == sizeof(float));
  Vec r[kBlock], t[kBlock];
  for (std::size_t i = 0; i < kBlock; ++i) std::memcpy(&r[i], from + i * ld_from, sizeof(Vec));
  for (std::size_t i = 0; i < kBlock; i += 2) {  // rows interleaved, per 128-bit quarter
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28,
                                   13, 29);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 18, 3, 19, 6, 22, 7, 23, 10, 26, 11, 27,
                                       14, 30, 15, 31);
  }
  for (std::size_t i = 0; i < kBlock; i += 4) {  // then pairs of floats interleaved
    for (std::size_t j = 0; j < 2; ++j) {
      r[i + 2 * j] = __builtin_shufflevector(t[i + j], t[i + j + 2], 0, 1, 16, 17, 4, 5, 20, 21, 8,
                                             9, 24, 25, 12, 13, 28, 29);
      r[i + 2 * j + 1] = __builtin_shufflevector(t[i + j], t[i + j + 2], 2, 3, 18, 19, 6, 7, 22, 23,
                                                 10, 11, 26, 27, 14, 15, 30, 31);
    }
  }
  // Quarters 0 and 2 of a and of b; quarters 1 and 3 of a and of b.
  const auto even = [](Vec a, Vec b) {
    return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
  };
  const auto odd = [](Vec a, Vec b) {
    return __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30,
                                   31);
  };
  for (std::size_t i = 0; i < 4; ++i) {
    t[i] = even(r[i], r[i + 4]);
    t[i + 4] = odd(r[i], r[i + 4]);
    t[i + 8] = even(r[i + 8], r[i + 12]);
    t[i + 12] = odd(r[i + 8], r[i + 12]);
  }
  for (std::size_t i = 0; i < 4; ++i) {
    r[i] = even(t[i], t[i + 8]);
    r[i + 8] = odd(t[i], t[i + 8]);
    r[i + 4] = even(t[i + 4], t[i + 12]);
    r[i + 12] = odd(t[i + 4], t[i + 12]);
  }
  for (std::size_t i = 0; i < kBlock; ++i) std::memcpy(to + i * ld_to, &r[i], sizeof(Vec));
}

// to(c, r) = from(r, c) for r < rows, c < cols; rows of `from` are ld_from
// floats apart, those of `to` ld_to.
template <typename T>
void transpose(const T* from, std::size_t rows, std::size_t cols, std::size_t ld_from, T* to,
               std::size_t ld_to) {
  for (std::size_t r0 = 0; r0 < rows; r0 += kBlock) {
    const std::size_t r1 = std::min(rows, r0 + kBlock);
    for (std::size_t c0 = 0; c0 < cols; c0 += kBlock) {
      const std::size_t c1 = std::min(cols, c0 + kBlock);
      if (r1 - r0 == kBlock && c1 - c0 == kBlock) {
        whole_block(from + r0 * ld_from + c0, ld_from, to + c0 * ld_to + r0, ld_to);
        continue;
      }
      for (std::size_t c = c0; c < c1; ++c) {
        for (std::size_t r = r0; r < r1; ++r) to[c * ld_to + r] = from[r * ld_from + c];
      }
    }
  }
}

}  // namespace mnist_dp::transpose_kernel
