// Slot sums within a node, partial sums and parameter blocks between nodes.
#include "mnist_dp/train/node_reduction.hpp"

#include <algorithm>

namespace mnist_dp {
namespace {

constexpr int kPartialTag = 20;
constexpr int kBlockTag = 21;

// out = the sum of the slots of `ranks` (in that order) over `range`.
void sum_slots(SharedMemory& shared, std::span<const int> ranks, Block range,
               std::span<float> out) {
  constexpr std::size_t kChunk = 2048;  // stays in the L1 cache
  for (std::size_t at = 0; at < range.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, range.size() - at);
    float* __restrict sum = out.data() + at;
    const float* first = shared.slot(ranks[0]).data() + range.begin + at;
    std::copy(first, first + n, sum);
    for (std::size_t r = 1; r < ranks.size(); ++r) {
      const float* __restrict in = shared.slot(ranks[r]).data() + range.begin + at;
      for (std::size_t i = 0; i < n; ++i) sum[i] += in[i];
    }
  }
}

}  // namespace

NodeReduction::NodeReduction(Communicator& comm, SharedMemory& shared, std::size_t params)
    : comm_(comm), shared_(shared) {
  const NodeLayout& layout = comm.layout();
  const int me = comm.rank(), ranks = comm.size(), my_node = layout.node_of(me);
  node_ranks_ = layout.ranks_on(my_node);
  own_ = block_of(params, me, ranks);
  std::vector<int> served_ranks;  // the other nodes' ranks this rank stands in for
  for (int q = 0; q < ranks; ++q) {
    if (layout.node_of(q) == my_node || layout.delegate(my_node, q) != me) continue;
    served_ranks.push_back(q);
    served_.push_back(block_of(params, q, ranks));
  }
  std::size_t out_floats = 0;
  for (const Block& b : served_) out_floats += b.size();
  partials_out_.resize(out_floats);
  partials_in_.resize(own_.size() * static_cast<std::size_t>(layout.nodes() - 1));

  float* common = shared.common().data();
  std::size_t out_at = 0, in_at = 0;
  for (std::size_t s = 0; s < served_ranks.size(); ++s) {
    const Block b = served_[s];
    reduce_sends_.push_back(
        {served_ranks[s], kPartialTag, partials_out_.data() + out_at, b.size()});
    share_receives_.push_back({served_ranks[s], kBlockTag, common + b.begin, b.size()});
    out_at += b.size();
  }
  for (int node = 0; node < layout.nodes(); ++node) {
    if (node == my_node) continue;
    const int delegate = layout.delegate(node, me);
    reduce_receives_.push_back({delegate, kPartialTag, partials_in_.data() + in_at, own_.size()});
    share_sends_.push_back({delegate, kBlockTag, common + own_.begin, own_.size()});
    in_at += own_.size();
  }
}

void NodeReduction::exchange_partials() {
  std::size_t at = 0;
  for (const Block& b : served_) {
    sum_slots(shared_, node_ranks_, b, std::span<float>(partials_out_).subspan(at, b.size()));
    at += b.size();
  }
  comm_.exchange(reduce_sends_, reduce_receives_, "node_reduce");
}

void NodeReduction::sum_block(std::size_t first, std::span<float> out) {
  sum_slots(shared_, node_ranks_, {own_.begin + first, own_.begin + first + out.size()}, out);
  for (std::size_t from = 0; from < partials_in_.size(); from += own_.size()) {
    const float* __restrict in = partials_in_.data() + from + first;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] += in[i];
  }
}

void NodeReduction::sum_node_slots(std::size_t first, std::span<float> out) {
  sum_slots(shared_, node_ranks_, {first, first + out.size()}, out);
}

void NodeReduction::share_block() { comm_.exchange(share_sends_, share_receives_, "node_share"); }

void NodeReduction::fetch_others(std::span<float> values) {
  const float* common = shared_.common().data();
  std::copy(common, common + own_.begin, values.data());
  std::copy(common + own_.end, common + values.size(), values.data() + own_.end);
}

}  // namespace mnist_dp
