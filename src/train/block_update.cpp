// The fused gradient-and-optimizer pass over a rank's block.
#include "mnist_dp/train/block_update.hpp"

#include <algorithm>
#include <cstdint>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "mnist_dp/core/finite.hpp"
#include "mnist_dp/optim/regularization.hpp"

namespace mnist_dp {
namespace {

// 8 KB: the chunk's gradient stays in the L1 cache between being formed and
// being applied, beside the parameters and optimizer state streaming through.
constexpr std::size_t kChunk = 2048;

// dst[0, n) = src[0, n), with streaming stores from dst's first cache line
// on. The caller orders them before other ranks' reads (_mm_sfence, fence).
void stream_copy(const float* src, float* dst, std::size_t n) {
#ifdef __AVX512F__
  std::size_t i = 0;
  for (; i < n && reinterpret_cast<std::uintptr_t>(dst + i) % 64 != 0; ++i) dst[i] = src[i];
  for (; i + 16 <= n; i += 16) _mm512_stream_ps(dst + i, _mm512_loadu_ps(src + i));
  for (; i < n; ++i) dst[i] = src[i];
#else
  std::copy_n(src, n, dst);
#endif
}

}  // namespace

BlockUpdate::BlockUpdate(Block block, bool shared_parameters)
    : block_(block),
      stream_(shared_parameters),
      scratch_(kChunk),
      updated_(shared_parameters ? kChunk : 0) {}

bool BlockUpdate::run(Optimizer& optimizer, ParameterBuffer& params, bool l2, double learning_rate,
                      const GradientSource& gradient) {
  optimizer.start_step(learning_rate);
  const std::span<float> values = params.values();
  bool finite = true;
  for (std::size_t first = 0; first < block_.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, block_.size() - first);
    const std::span<float> grads = gradient(first, std::span<float>(scratch_).first(n));
    finite = all_finite(grads) && finite;
    if (l2) add_l2_gradient(params, grads, block_.begin + first);
    const std::span<float> chunk = values.subspan(block_.begin + first, n);
    if (!stream_) {
      optimizer.update(chunk, grads, first);
      continue;
    }
    const std::span<float> updated = std::span<float>(updated_).first(n);
    std::copy(chunk.begin(), chunk.end(), updated.begin());
    optimizer.update(updated, grads, first);
    stream_copy(updated.data(), chunk.data(), n);
  }
#ifdef __AVX512F__
  if (stream_) _mm_sfence();
#endif
  return finite;
}

}  // namespace mnist_dp
