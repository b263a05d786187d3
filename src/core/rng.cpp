// Bounded draws and epoch permutations over the counter-based generator.
#include "mnist_dp/core/rng.hpp"

#include <numeric>
#include <utility>

namespace mnist_dp {

std::uint32_t CounterRng::below(std::uint32_t bound) {
  // Lemire's multiply-shift method with rejection of the biased range.
  std::uint64_t product = (next() >> 32) * bound;
  auto low = static_cast<std::uint32_t>(product);
  if (low < bound) {
    const std::uint32_t threshold = (0u - bound) % bound;
    while (low < threshold) {
      product = (next() >> 32) * bound;
      low = static_cast<std::uint32_t>(product);
    }
  }
  return static_cast<std::uint32_t>(product >> 32);
}

std::vector<std::uint32_t> epoch_permutation(std::size_t n, std::uint64_t seed,
                                             std::uint64_t epoch) {
  std::vector<std::uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  constexpr std::uint64_t kPermutationStream = 0x7065726dULL;  // "perm"
  CounterRng rng(seed, kPermutationStream ^ (epoch << 32));
  for (std::size_t i = n; i > 1; --i) {
    std::swap(perm[i - 1], perm[rng.below(static_cast<std::uint32_t>(i))]);
  }
  return perm;
}

}  // namespace mnist_dp
