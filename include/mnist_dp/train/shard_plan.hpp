// The fixed decomposition behind identical bytes at any rank count.
//
// A global batch of n samples is split into V = ceil(n / kShardRows) shards of
// kShardRows rows (the last one may be shorter), and the shards into groups of
// kGroupShards. Neither depends on the rank count. Rank r of p holds the
// contiguous shards block_of(V, r, p). Each shard's forward pass and
// gradients come from products whose every element depends only on the
// shard's own rows (nn/dense_products.hpp, nn/sparse_input.hpp), so a
// shard's gradient P_k has the same bits whichever rank computes it.
//
// The canonical sum of the P_k: within a group, a left-to-right chain
// ((P_a + P_a+1) + P_a+2) + ...; over the groups, a fixed binary tree whose
// node [lo, hi) splits at lo + the largest power of two below hi - lo. A rank
// computes the parts of that expression its shards cover without anything
// from other ranks ("pieces"): whole tree nodes over groups it holds entirely,
// the prefix chain of a group whose first shard it holds, and single shards
// of a group whose first shard another rank holds. The owner of a parameter
// slice evaluates the same expression over the pieces of all ranks. Float
// addition is commutative, so every node has the same bits at every rank
// count; accumulating a shard's weight gradient gives the same bits as adding
// a separately computed P_k (the products' contract; `Determinism.*` e2e tests).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

namespace mnist_dp {

inline constexpr std::size_t kShardRows = 16;
inline constexpr std::size_t kGroupShards = 4;

// Shards of a global batch of `samples` samples.
inline std::size_t shard_count(std::size_t samples) {
  return (samples + kShardRows - 1) / kShardRows;
}

// One past the last shard of `group` in a batch of `shards` shards.
inline std::size_t group_end(std::size_t group, std::size_t shards) {
  return std::min((group + 1) * kGroupShards, shards);
}

struct Piece {
  enum Kind { kTreeNode, kChain };
  Kind kind = kChain;
  // kTreeNode: groups [lo, hi), a node of the canonical tree. kChain: shards
  // [lo, hi) chained left to right; either lo starts its group or hi = lo + 1.
  std::size_t lo = 0;
  std::size_t hi = 0;
  int rank = 0;  // who computes it
};

// The pieces of a batch of `shards` shards over `ranks` ranks, ordered by
// rank and, within a rank, by first shard. Every rank computes the same list.
std::vector<Piece> batch_pieces(std::size_t shards, int ranks);

// The canonical sum over the pieces' values: piece i (an index into the
// batch_pieces list) is read at values[i]; the sum is written into `out`,
// using `scratch` (scratch_slices() slices of out's length) for
// intermediate nodes.
class CanonicalSum {
 public:
  CanonicalSum(std::size_t shards, std::span<const Piece> pieces);

  // Intermediate slices evaluate() needs.
  std::size_t scratch_slices() const;
  void evaluate(std::span<const float* const> values, std::span<float> out,
                std::span<std::vector<float>> scratch) const;

  // The value of one tree node over groups [lo, hi) from the chains of its
  // groups, as a rank computes its kTreeNode pieces: group g's chain is in
  // groups[g - lo], and the node's value ends up in groups[0].
  static void combine_groups(std::size_t lo, std::size_t hi,
                             std::span<const std::span<float>> groups);

 private:
  // The value of tree node [lo, hi) over groups: a piece's slice if one
  // covers exactly it, else computed into `into`.
  const float* node(std::size_t lo, std::size_t hi, float* into, std::size_t depth,
                    std::span<const float* const> values, std::size_t n,
                    std::span<std::vector<float>> scratch) const;
  std::size_t shards_;
  std::size_t groups_;
  std::vector<Piece> pieces_;
  // For each group split over ranks, its kChain pieces in shard order.
  std::vector<std::vector<std::size_t>> group_chains_;
};

// The split point of tree node [lo, hi), hi - lo >= 2.
std::size_t tree_split(std::size_t lo, std::size_t hi);

}  // namespace mnist_dp
