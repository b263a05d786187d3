// The single-process communicator: every collective is the identity.
#pragma once

#include <algorithm>

#include "mnist_dp/comm/communicator.hpp"

namespace mnist_dp {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  const NodeLayout& layout() const override { return layout_; }
  void allreduce_sum(std::span<float>) override {}
  void allreduce_sum(std::span<double>) override {}
  void reduce_scatter_sum(std::span<const float> data, std::span<float> block) override {
    std::copy(data.begin(), data.end(), block.begin());
  }
  void allgather_blocks(std::span<float>) override {}
  void allgather_blocks(std::span<double>) override {}
  // One rank has no peer to exchange with: both lists are always empty.
  void exchange(std::span<const Transfer>, std::span<const Transfer>, const char*) override {}
  int allreduce_min(int value) override { return value; }
  int allreduce_max(int value) override { return value; }
  void broadcast(std::span<std::byte>, int) override {}
  void barrier() override {}
  std::unique_ptr<SharedMemory> share_memory(std::size_t slot_floats,
                                             std::size_t common_floats) override {
    return std::make_unique<ProcessMemory>(slot_floats, common_floats);
  }

 private:
  NodeLayout layout_ = NodeLayout::single_node(1);
};

}  // namespace mnist_dp
