// Counter-based random numbers: a value is a pure function of its key, so
// dropout masks, initial weights and permutations never depend on which rank
// computes them or in which order.
#pragma once

#include <cstdint>
#include <vector>

namespace mnist_dp {

// SplitMix64 finaliser: a strong 64-bit mixing function.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of a multi-part key; each part is mixed in turn.
constexpr std::uint64_t hash_key(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0,
                                 std::uint64_t d = 0) {
  return mix64(mix64(mix64(mix64(a) ^ b) ^ c) ^ d);
}

// Uniform float in [0, 1) from the top 24 bits of a hash.
constexpr float uniform01(std::uint64_t h) {
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// Sequential stream over a counter-based hash: draw i is hash(seed, stream, i).
class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t stream) : seed_(seed), stream_(stream) {}
  std::uint64_t next() { return hash_key(seed_, stream_, counter_++); }
  // Uniform integer in [0, bound) without modulo bias (Lemire's method).
  std::uint32_t below(std::uint32_t bound);

 private:
  std::uint64_t seed_;
  std::uint64_t stream_;
  std::uint64_t counter_ = 0;
};

// The permutation of 0..n-1 for (seed, epoch): Fisher-Yates over CounterRng.
std::vector<std::uint32_t> epoch_permutation(std::size_t n, std::uint64_t seed,
                                             std::uint64_t epoch);

}  // namespace mnist_dp
