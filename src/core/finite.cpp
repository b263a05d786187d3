// all_finite: the largest exponent field seen; all ones means NaN or infinity.
#include "mnist_dp/core/finite.hpp"

#include <cstdint>
#include <cstring>

namespace mnist_dp {

bool all_finite(std::span<const float> values) {
  constexpr std::uint32_t kExponent = 0x7f800000u;
  std::uint32_t largest = 0;
  for (const float v : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    const std::uint32_t exponent = bits & kExponent;
    largest = exponent > largest ? exponent : largest;
  }
  return largest != kExponent;
}

}  // namespace mnist_dp
