// The canonical sum over shard partials: the same bytes at every rank count
// from 1 to 8, for full and partial batches, while a naive per-rank sum
// changes with the rank count.
#include "mnist_dp/train/shard_plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

namespace mnist_dp {
namespace {

using Partials = std::vector<std::vector<float>>;  // one vector per shard

// Values from 1e-8 to 1e8 with both signs, so that the order of additions
// shows in the rounding.
Partials wide_partials(std::size_t shards, std::size_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> mantissa(-1.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-8, 8);
  Partials p(shards, std::vector<float>(n));
  for (auto& shard : p) {
    for (float& v : shard) v = mantissa(rng) * std::pow(10.0f, static_cast<float>(exponent(rng)));
  }
  return p;
}

// What rank-side code computes for one piece: chains of shard partials and,
// for a tree node, the groups combined in the canonical tree.
std::vector<float> piece_value(const Piece& piece, const Partials& partials) {
  auto chain = [&](std::size_t lo, std::size_t hi) {
    std::vector<float> sum = partials[lo];
    for (std::size_t k = lo + 1; k < hi; ++k) {
      for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += partials[k][i];
    }
    return sum;
  };
  if (piece.kind == Piece::kChain) return chain(piece.lo, piece.hi);
  std::vector<std::vector<float>> groups;
  for (std::size_t g = piece.lo; g < piece.hi; ++g) {
    groups.push_back(chain(g * kGroupShards, group_end(g, partials.size())));
  }
  std::vector<std::span<float>> views(groups.begin(), groups.end());
  CanonicalSum::combine_groups(piece.lo, piece.hi, views);
  return groups[0];
}

std::vector<float> canonical_sum(const Partials& partials, int ranks) {
  const std::vector<Piece> pieces = batch_pieces(partials.size(), ranks);
  std::vector<std::vector<float>> values;
  for (const Piece& piece : pieces) values.push_back(piece_value(piece, partials));
  const CanonicalSum sum(partials.size(), pieces);
  const std::size_t n = partials[0].size();
  std::vector<std::vector<float>> scratch(sum.scratch_slices(), std::vector<float>(n));
  std::vector<float> out(n);
  std::vector<const float*> pointers;
  for (const auto& v : values) pointers.push_back(v.data());
  sum.evaluate(pointers, out, scratch);
  return out;
}

// Each rank sums its shards left to right, then the ranks' sums are added in
// rank order: the order a plain data-parallel trainer has.
std::vector<float> naive_sum(const Partials& partials, int ranks) {
  const std::size_t v = partials.size(), n = partials[0].size();
  std::vector<float> total(n, 0.0f);
  for (int r = 0; r < ranks; ++r) {
    std::vector<float> local(n, 0.0f);
    const auto p = static_cast<std::size_t>(ranks), rr = static_cast<std::size_t>(r);
    for (std::size_t k = v * rr / p; k < v * (rr + 1) / p; ++k) {
      for (std::size_t i = 0; i < n; ++i) local[i] += partials[k][i];
    }
    for (std::size_t i = 0; i < n; ++i) total[i] += local[i];
  }
  return total;
}

bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(CanonicalSum, SameBytesAtEveryRankCountWhereANaiveSumDiffers) {
  for (std::size_t shards : {8u, 6u, 7u, 1u, 13u, 64u}) {
    const Partials partials = wide_partials(shards, 4096);
    const std::vector<float> reference = canonical_sum(partials, 1);
    int naive_differs = 0;
    for (int ranks = 1; ranks <= 8; ++ranks) {
      EXPECT_TRUE(same_bytes(canonical_sum(partials, ranks), reference))
          << shards << " shards at " << ranks << " ranks";
      naive_differs += !same_bytes(naive_sum(partials, ranks), naive_sum(partials, 1));
    }
    if (shards >= 6) {
      EXPECT_GT(naive_differs, 0) << shards << " shards: the data is too tame";
    }
  }
}

TEST(CanonicalSum, PiecesCoverEveryShardOnce) {
  for (std::size_t shards = 1; shards <= 20; ++shards) {
    for (int ranks = 1; ranks <= 8; ++ranks) {
      std::vector<int> covered(shards, 0);
      for (const Piece& p : batch_pieces(shards, ranks)) {
        const std::size_t lo = p.kind == Piece::kChain ? p.lo : p.lo * kGroupShards;
        const std::size_t hi = p.kind == Piece::kChain ? p.hi : group_end(p.hi - 1, shards);
        for (std::size_t k = lo; k < hi; ++k) ++covered[k];
      }
      EXPECT_EQ(std::count(covered.begin(), covered.end(), 1), static_cast<long>(shards))
          << shards << " shards, " << ranks << " ranks";
    }
  }
}

TEST(CanonicalSum, TwoRanksAtBatch128SendOnePieceEach) {
  const std::vector<Piece> pieces = batch_pieces(8, 2);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].kind, Piece::kTreeNode);
  EXPECT_EQ(pieces[1].rank, 1);
}

}  // namespace
}  // namespace mnist_dp
