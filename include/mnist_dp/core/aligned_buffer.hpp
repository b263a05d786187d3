// Float buffers that start on a 64-byte cache line. The vector kernels load
// whole 64-byte vectors; a load that straddles two cache lines costs about
// twice as much, and glibc's allocations are only 16-byte aligned.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace mnist_dp {

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};

  CacheLineAllocator() = default;
  template <typename U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}

  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlignment); }

  template <typename U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
};

using AlignedFloats = std::vector<float, CacheLineAllocator<float>>;

}  // namespace mnist_dp
