// The global-batch sampler. Every rank builds the same permutation of the
// training set from (seed, epoch); global batch b is perm[b*B, (b+1)*B) and
// rank r takes its contiguous part [b_len*r/p, b_len*(r+1)/p), so the run is
// defined by the global batch, not the rank count. The last batch of an epoch
// holds the remainder (n mod B samples); nothing is dropped or repeated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mnist_dp {

struct LocalBatch {
  std::span<const std::uint32_t> indices;  // this rank's samples
  std::size_t global_count = 0;            // samples in the whole global batch
  std::size_t first_position = 0;          // position of indices[0] in the global batch
};

class GlobalBatchSampler {
 public:
  // With shard_rows > 0 a rank's part is a whole number of shards: the
  // batch is cut into shards of shard_rows samples and rank r takes shards
  // [V*r/p, V*(r+1)/p) of the V; otherwise samples [n*r/p, n*(r+1)/p).
  GlobalBatchSampler(std::size_t dataset_size, std::size_t global_batch, std::uint64_t seed,
                     int rank, int ranks, std::size_t shard_rows = 0);
  void set_epoch(std::uint64_t epoch);
  std::size_t steps_per_epoch() const;
  LocalBatch local_batch(std::size_t step_in_epoch) const;
  // The largest local batch any step can give this rank.
  std::size_t max_local_batch() const;
  // The global batch sizes an epoch's steps have: the full batch, and the
  // last one's remainder when the dataset does not divide evenly.
  std::vector<std::size_t> batch_sizes() const;

 private:
  std::size_t size_;
  std::size_t batch_;
  std::uint64_t seed_;
  std::size_t rank_;
  std::size_t ranks_;
  std::size_t shard_rows_;
  std::vector<std::uint32_t> perm_;
};

}  // namespace mnist_dp
