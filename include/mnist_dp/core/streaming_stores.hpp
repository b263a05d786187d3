// Streaming (non-temporal) stores: writes that go to memory past this core's
// caches, for data that another core reads next (a rank's gradient parts and
// updated parameter block in node-shared memory, train/node_reduction.hpp).
//
// Why: an ordinary store to a line that another core holds must first take
// the line from that core. On some hosts (KVM guests whose two vCPUs run on
// different dies) that runs at ~2 GB/s, against ~25 GB/s for streaming
// stores and ~20 GB/s for the reader's loads either way, so -np 2 steps took
// ~1.5x longer there (docs/performance.md, "Stores to lines another core
// holds"). Where the cores share a cache the reader's loads come from
// memory instead, which is slower, but the writer's stores are cheaper: on
// that host -np 2 was no slower in that state. training.streaming_stores
// turns them off.
//
// Streaming stores are weakly ordered: the writer calls
// streaming_stores_done() before the data is published (before the fence).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace mnist_dp {

inline bool cache_line_aligned(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % 64 == 0;
}

// to[0, n) = from[0, n): whole cache lines of `to` with streaming stores,
// the parts of lines at either end with ordinary ones.
inline void stream_floats(const float* from, std::size_t n, float* to) {
#if defined(__AVX512F__)
  std::size_t i = 0;
  for (; i < n && !cache_line_aligned(to + i); ++i) to[i] = from[i];
  for (; i + 16 <= n; i += 16) _mm512_stream_ps(to + i, _mm512_loadu_ps(from + i));
  std::copy(from + i, from + n, to + i);
#else
  std::copy(from, from + n, to);
#endif
}

// Orders this thread's streaming stores before its later stores (and so
// before the fence that publishes them).
inline void streaming_stores_done() {
#if defined(__AVX512F__)
  _mm_sfence();
#endif
}

}  // namespace mnist_dp
