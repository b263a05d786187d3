// The gradient reduction and parameter sharing through node-shared memory,
// with messages between nodes (shared_memory.hpp, node_layout.hpp).
//
// Within a node no gradient moves: the slots are read in place. Between
// nodes each block travels once per node, not once per rank: for a rank q
// of another node, this node's delegate of q (NodeLayout::delegate) sums
// q's block over this node's slots and sends that partial sum to q; q adds
// the partials of the other nodes, in node order, to its own node's. After
// the optimizer, q sends its updated block to its delegate on every other
// node, which writes it into that node's common area. So each byte of a
// node's common area has exactly one writer there: the block's owner on its
// own node, its delegate elsewhere. On one node all of this reduces to
// summing slots in rank order and a fence.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"

namespace mnist_dp {

class NodeReduction {
 public:
  // Each slot holds a rank's gradient of all `params` parameters.
  NodeReduction(Communicator& comm, SharedMemory& shared, std::size_t params);

  // After a fence that completes the node's gradients, the reduction is
  // exchange_partials, then sum_block over this rank's block
  // (block_of(params, rank, ranks)) in any number of parts.
  // Sends this node's partial sums of the blocks this rank serves and
  // receives the other nodes' partials of its own block (none on one node).
  void exchange_partials();
  // out = elements [first, first + out.size()) of this rank's block of the
  // gradient summed over all ranks: its node's slots in rank order, then the
  // other nodes' partials in node order.
  void sum_block(std::size_t first, std::span<float> out);
  // out = elements [first, first + out.size()) of the gradient summed over
  // this node's slots in rank order: on one node, the whole sum of any
  // parameters (train/shared_update.hpp).
  void sum_node_slots(std::size_t first, std::span<float> out);
  // Sends this rank's updated block of the common area to the other nodes
  // and writes the blocks it receives; the caller then fences.
  void share_block();
  // After the fence that follows share_block: copies every block but this
  // rank's own from the common area into `values` (this rank's copy of all
  // the parameters).
  void fetch_others(std::span<float> values);

 private:
  Communicator& comm_;
  SharedMemory& shared_;
  std::span<const int> node_ranks_;
  Block own_;
  // The blocks of the other nodes' ranks this rank stands in for, in rank
  // order: it sends their partial sums and writes their updated blocks into
  // its node's common area.
  std::vector<Block> served_;
  std::vector<float> partials_out_;  // this node's partial sums of the served blocks, in order
  std::vector<float> partials_in_;   // the other nodes' partials of own_, in node order
  std::vector<Transfer> reduce_sends_, reduce_receives_;
  std::vector<Transfer> share_sends_, share_receives_;
};

}  // namespace mnist_dp
