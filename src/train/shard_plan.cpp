// The pieces each rank computes and the canonical sum over them.
#include "mnist_dp/train/shard_plan.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace mnist_dp {
namespace {

// Appends the maximal canonical tree nodes inside groups [a, b), in order.
void tree_nodes_within(std::size_t lo, std::size_t hi, std::size_t a, std::size_t b, int rank,
                       std::vector<Piece>& out) {
  if (hi <= a || b <= lo) return;
  if (a <= lo && hi <= b) {
    out.push_back({Piece::kTreeNode, lo, hi, rank});
    return;
  }
  const std::size_t mid = tree_split(lo, hi);
  tree_nodes_within(lo, mid, a, b, rank, out);
  tree_nodes_within(mid, hi, a, b, rank, out);
}

void add_into(float* dst, const float* a, const float* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) dst[i] = a[i] + b[i];
}

}  // namespace

std::size_t tree_split(std::size_t lo, std::size_t hi) { return lo + std::bit_floor(hi - lo - 1); }

std::vector<Piece> batch_pieces(std::size_t shards, int ranks) {
  const std::size_t groups = (shards + kGroupShards - 1) / kGroupShards;
  const auto p = static_cast<std::size_t>(ranks);
  std::vector<Piece> pieces;
  for (std::size_t r = 0; r < p; ++r) {
    const std::size_t a = shards * r / p, b = shards * (r + 1) / p;
    const int rank = static_cast<int>(r);
    for (std::size_t k = a; k < b;) {
      const std::size_t group = k / kGroupShards, start = group * kGroupShards;
      if (k == start && group_end(group, shards) <= b) {  // a run of whole groups
        std::size_t last = group;
        while (last + 1 < groups && group_end(last + 1, shards) <= b) ++last;
        tree_nodes_within(0, groups, group, last + 1, rank, pieces);
        k = group_end(last, shards);
      } else if (k == start) {  // the group's prefix; another rank holds the rest
        pieces.push_back({Piece::kChain, k, b, rank});
        k = b;
      } else {  // shards after another rank's prefix: each on its own
        const std::size_t end = std::min(group_end(group, shards), b);
        for (; k < end; ++k) pieces.push_back({Piece::kChain, k, k + 1, rank});
      }
    }
  }
  return pieces;
}

CanonicalSum::CanonicalSum(std::size_t shards, std::span<const Piece> pieces)
    : shards_(shards),
      groups_((shards + kGroupShards - 1) / kGroupShards),
      pieces_(pieces.begin(), pieces.end()),
      group_chains_(groups_) {
  if (shards == 0) throw std::invalid_argument("CanonicalSum: no shards");
  for (std::size_t g = 0; g < groups_; ++g) {
    for (std::size_t k = g * kGroupShards; k < group_end(g, shards);) {
      const auto at = std::find_if(pieces_.begin(), pieces_.end(), [&](const Piece& p) {
        return p.kind == Piece::kChain && p.lo == k;
      });
      if (at == pieces_.end()) break;  // the group is inside a tree-node piece
      group_chains_[g].push_back(static_cast<std::size_t>(at - pieces_.begin()));
      k = at->hi;
    }
  }
}

std::size_t CanonicalSum::scratch_slices() const {
  return static_cast<std::size_t>(std::bit_width(groups_)) + 1;
}

void CanonicalSum::evaluate(std::span<const float* const> values, std::span<float> out,
                            std::span<std::vector<float>> scratch) const {
  const float* root = node(0, groups_, out.data(), 0, values, out.size(), scratch);
  if (root != out.data()) std::copy(root, root + out.size(), out.data());
}

const float* CanonicalSum::node(std::size_t lo, std::size_t hi, float* into, std::size_t depth,
                                std::span<const float* const> values, std::size_t n,
                                std::span<std::vector<float>> scratch) const {
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const Piece& p = pieces_[i];
    if (p.kind == Piece::kTreeNode && p.lo == lo && p.hi == hi) return values[i];
  }
  if (hi - lo == 1) {  // a group split over ranks: its chain pieces in shard order
    const std::vector<std::size_t>& chain = group_chains_[lo];
    if (chain.empty()) throw std::logic_error("CanonicalSum: no piece for a group");
    if (chain.size() == 1) return values[chain[0]];
    add_into(into, values[chain[0]], values[chain[1]], n);
    for (std::size_t c = 2; c < chain.size(); ++c) add_into(into, into, values[chain[c]], n);
    return into;
  }
  const std::size_t mid = tree_split(lo, hi);
  const float* left = node(lo, mid, into, depth + 1, values, n, scratch);
  const float* right = node(mid, hi, scratch[depth].data(), depth + 1, values, n, scratch);
  add_into(into, left, right, n);
  return into;
}

void CanonicalSum::combine_groups(std::size_t lo, std::size_t hi,
                                  std::span<const std::span<float>> groups) {
  if (hi - lo < 2) return;
  const std::size_t mid = tree_split(lo, hi);
  combine_groups(lo, mid, groups.first(mid - lo));
  combine_groups(mid, hi, groups.subspan(mid - lo));
  const std::span<float> left = groups[0], right = groups[mid - lo];
  add_into(left.data(), left.data(), right.data(), left.size());
}

}  // namespace mnist_dp
