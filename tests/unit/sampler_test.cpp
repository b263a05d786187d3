// The global-batch sampler covers every index exactly once per epoch across
// all ranks, splits each global batch into contiguous near-equal parts, and
// its permutation depends only on (seed, epoch).
#include "mnist_dp/data/sampler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "mnist_dp/core/rng.hpp"

namespace mnist_dp {
namespace {

TEST(Sampler, EveryIndexExactlyOncePerEpochForAnyRankCount) {
  for (int ranks : {1, 2, 3, 4, 7}) {
    for (std::size_t n : {1000u, 1001u, 128u * 3u}) {
      std::vector<int> seen(n, 0);
      std::size_t steps = 0;
      for (int r = 0; r < ranks; ++r) {
        GlobalBatchSampler s(n, 128, 3, r, ranks);
        s.set_epoch(2);
        steps = s.steps_per_epoch();
        for (std::size_t b = 0; b < steps; ++b) {
          const LocalBatch lb = s.local_batch(b);
          EXPECT_LE(lb.indices.size(), s.max_local_batch());
          for (auto i : lb.indices) ++seen[i];
        }
      }
      EXPECT_EQ(steps, (n + 127) / 128);
      EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }))
          << "ranks=" << ranks << " n=" << n;
    }
  }
}

// With shards, each rank's part starts on a shard boundary and holds whole
// shards (the batch's last shard may be short), and every index is still
// drawn exactly once.
TEST(Sampler, ShardedPartsAreWholeShardsAndCoverEveryIndexOnce) {
  for (int ranks : {1, 2, 3, 4, 8}) {
    for (std::size_t n : {1000u, 1001u, 60000u}) {
      std::vector<int> seen(n, 0);
      for (int r = 0; r < ranks; ++r) {
        GlobalBatchSampler s(n, 128, 3, r, ranks, 16);
        s.set_epoch(1);
        for (std::size_t b = 0; b < s.steps_per_epoch(); ++b) {
          const LocalBatch lb = s.local_batch(b);
          EXPECT_LE(lb.indices.size(), s.max_local_batch());
          EXPECT_EQ(lb.first_position % 16, 0u);
          const std::size_t end = lb.first_position + lb.indices.size();
          EXPECT_TRUE(end % 16 == 0 || end == lb.global_count) << "ranks=" << ranks;
          for (auto i : lb.indices) ++seen[i];
        }
      }
      EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }))
          << "ranks=" << ranks << " n=" << n;
    }
  }
}

TEST(Sampler, RankSlicesConcatenateToTheGlobalBatch) {
  constexpr int kRanks = 3;
  GlobalBatchSampler single(1000, 100, 9, 0, 1);
  single.set_epoch(0);
  const LocalBatch whole = single.local_batch(4);
  std::vector<std::uint32_t> joined;
  for (int r = 0; r < kRanks; ++r) {
    GlobalBatchSampler s(1000, 100, 9, r, kRanks);
    s.set_epoch(0);
    const LocalBatch lb = s.local_batch(4);
    EXPECT_EQ(lb.global_count, 100u);
    EXPECT_EQ(lb.first_position, joined.size());
    joined.insert(joined.end(), lb.indices.begin(), lb.indices.end());
  }
  EXPECT_TRUE(std::equal(joined.begin(), joined.end(), whole.indices.begin(), whole.indices.end()));
}

TEST(Sampler, LastBatchHoldsTheRemainder) {
  GlobalBatchSampler s(60000, 128, 0, 0, 1);
  s.set_epoch(0);
  EXPECT_EQ(s.steps_per_epoch(), 469u);
  EXPECT_EQ(s.local_batch(468).global_count, 96u);
}

TEST(Permutation, DependsOnSeedAndEpochOnly) {
  EXPECT_EQ(epoch_permutation(500, 1, 2), epoch_permutation(500, 1, 2));
  EXPECT_NE(epoch_permutation(500, 1, 2), epoch_permutation(500, 1, 3));
  EXPECT_NE(epoch_permutation(500, 1, 2), epoch_permutation(500, 2, 2));
  auto p = epoch_permutation(500, 1, 2);
  std::sort(p.begin(), p.end());
  for (std::uint32_t i = 0; i < 500; ++i) EXPECT_EQ(p[i], i);
}

}  // namespace
}  // namespace mnist_dp
