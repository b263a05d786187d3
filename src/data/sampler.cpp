// Global-batch sampler: same permutation on every rank, contiguous rank slices.
#include "mnist_dp/data/sampler.hpp"

#include <algorithm>

#include "mnist_dp/core/rng.hpp"

namespace mnist_dp {

GlobalBatchSampler::GlobalBatchSampler(std::size_t dataset_size, std::size_t global_batch,
                                       std::uint64_t seed, int rank, int ranks,
                                       std::size_t shard_rows)
    : size_(dataset_size),
      batch_(global_batch),
      seed_(seed),
      rank_(static_cast<std::size_t>(rank)),
      ranks_(static_cast<std::size_t>(ranks)),
      shard_rows_(shard_rows) {}

void GlobalBatchSampler::set_epoch(std::uint64_t epoch) {
  perm_ = epoch_permutation(size_, seed_, epoch);
}

std::size_t GlobalBatchSampler::steps_per_epoch() const { return (size_ + batch_ - 1) / batch_; }

LocalBatch GlobalBatchSampler::local_batch(std::size_t step_in_epoch) const {
  const std::size_t begin = step_in_epoch * batch_;
  const std::size_t count = std::min(batch_, size_ - begin);
  std::size_t lo = count * rank_ / ranks_;
  std::size_t hi = count * (rank_ + 1) / ranks_;
  if (shard_rows_ > 0) {
    const std::size_t shards = (count + shard_rows_ - 1) / shard_rows_;
    lo = std::min(count, shards * rank_ / ranks_ * shard_rows_);
    hi = std::min(count, shards * (rank_ + 1) / ranks_ * shard_rows_);
  }
  return {std::span<const std::uint32_t>(perm_).subspan(begin + lo, hi - lo), count, lo};
}

std::vector<std::size_t> GlobalBatchSampler::batch_sizes() const {
  std::vector<std::size_t> sizes{std::min(batch_, size_)};
  if (size_ > batch_ && size_ % batch_ != 0) sizes.push_back(size_ % batch_);
  return sizes;
}

std::size_t GlobalBatchSampler::max_local_batch() const {
  const std::size_t batch = std::min(batch_, size_);
  if (shard_rows_ == 0) return (batch + ranks_ - 1) / ranks_;
  const std::size_t shards = (batch + shard_rows_ - 1) / shard_rows_;
  return std::min(batch, (shards + ranks_ - 1) / ranks_ * shard_rows_);
}

}  // namespace mnist_dp
