// NodeLayout: nodes from leader ids, and the delegates that spread a node's
// traffic over its ranks.
#include "mnist_dp/comm/node_layout.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace mnist_dp {
namespace {

TEST(NodeLayout, NumbersNodesInOrderOfTheirFirstRank) {
  const std::vector<int> leaders{4, 4, 0, 0, 4, 7};
  const NodeLayout layout = NodeLayout::from_leaders(leaders);
  EXPECT_EQ(layout.ranks(), 6);
  ASSERT_EQ(layout.nodes(), 3);
  EXPECT_EQ(std::vector<int>(layout.ranks_on(0).begin(), layout.ranks_on(0).end()),
            (std::vector<int>{0, 1, 4}));
  EXPECT_EQ(std::vector<int>(layout.ranks_on(1).begin(), layout.ranks_on(1).end()),
            (std::vector<int>{2, 3}));
  EXPECT_EQ(layout.node_of(5), 2);
  EXPECT_TRUE(layout.same_node(0, 4));
  EXPECT_FALSE(layout.same_node(1, 2));
}

// Each rank of another node has exactly one delegate on a node, and a
// node's ranks take the others in turn.
TEST(NodeLayout, DelegatesTakeTheOtherNodesRanksInTurn) {
  const NodeLayout layout = NodeLayout::from_leaders(std::vector<int>{0, 0, 2, 2, 2});
  EXPECT_EQ(layout.delegate(0, 2), 0);
  EXPECT_EQ(layout.delegate(0, 3), 1);
  EXPECT_EQ(layout.delegate(0, 4), 0);
  EXPECT_EQ(layout.delegate(1, 0), 2);
  EXPECT_EQ(layout.delegate(1, 1), 3);
}

TEST(NodeLayout, SingleNodeHoldsEveryRank) {
  const NodeLayout layout = NodeLayout::single_node(3);
  EXPECT_EQ(layout.nodes(), 1);
  EXPECT_EQ(layout.ranks_on(0).size(), 3u);
}

}  // namespace
}  // namespace mnist_dp
