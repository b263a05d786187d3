// Where the ranks run, and the unit of point-to-point traffic. Nodes
// partition the ranks; ranks on one node can share memory, ranks on
// different nodes only exchange messages. Every rank holds the same layout,
// so every rank derives the same message pattern from it.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace mnist_dp {

class NodeLayout {
 public:
  // leader_of[r]: an id that rank r shares exactly with the ranks of its node
  // (MPI: the lowest world rank there). Nodes are numbered in the order their
  // first rank appears.
  static NodeLayout from_leaders(std::span<const int> leader_of);
  // Every rank on one node.
  static NodeLayout single_node(int ranks);

  int ranks() const { return static_cast<int>(node_of_.size()); }
  int nodes() const { return static_cast<int>(ranks_on_.size()); }
  int node_of(int rank) const { return node_of_[static_cast<std::size_t>(rank)]; }
  // The ranks of `node`, in rank order.
  std::span<const int> ranks_on(int node) const {
    return ranks_on_[static_cast<std::size_t>(node)];
  }
  bool same_node(int a, int b) const { return node_of(a) == node_of(b); }
  // The rank of `node` that stands in there for `rank`, a rank of another
  // node: a node's ranks take the ranks of the other nodes in turn, so the
  // traffic of a node spreads over all its ranks.
  int delegate(int node, int rank) const {
    const std::span<const int> on = ranks_on(node);
    return on[static_cast<std::size_t>(rank) % on.size()];
  }

 private:
  std::vector<int> node_of_;
  std::vector<std::vector<int>> ranks_on_;
};

// One message of Communicator::exchange: `data` goes to, or comes from, `peer`.
struct Transfer {
  int peer = 0;
  int tag = 0;
  float* data = nullptr;
  std::size_t count = 0;
};

}  // namespace mnist_dp
