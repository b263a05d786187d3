// Nodes from the ranks' leader ids.
#include "mnist_dp/comm/node_layout.hpp"

#include <algorithm>
#include <vector>

namespace mnist_dp {

NodeLayout NodeLayout::from_leaders(std::span<const int> leader_of) {
  NodeLayout layout;
  std::vector<int> leaders;  // per node, in order of appearance
  for (std::size_t r = 0; r < leader_of.size(); ++r) {
    const auto found = std::find(leaders.begin(), leaders.end(), leader_of[r]);
    const auto node = static_cast<std::size_t>(found - leaders.begin());
    if (found == leaders.end()) {
      leaders.push_back(leader_of[r]);
      layout.ranks_on_.emplace_back();
    }
    layout.node_of_.push_back(static_cast<int>(node));
    layout.ranks_on_[node].push_back(static_cast<int>(r));
  }
  return layout;
}

NodeLayout NodeLayout::single_node(int ranks) {
  return from_leaders(std::vector<int>(static_cast<std::size_t>(ranks), 0));
}

}  // namespace mnist_dp
