// Loss and correct sums kept per item of a fixed list (a batch's shards, the
// test set's evaluation chunks). Each rank fills the items
// block_of(count, rank, ranks) it holds; gather() moves them as bytes and
// adds them in item order, so the total has the same bits at any rank count.
#pragma once

#include <cstddef>
#include <vector>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/train/evaluation.hpp"

namespace mnist_dp {

class OrderedSums {
 public:
  // Room for `capacity` items, allocated once.
  explicit OrderedSums(std::size_t capacity) : loss_(capacity), correct_(capacity) {}

  void clear();
  void set(std::size_t item, const EvalSums& sums) {
    loss_[item] = sums.loss_sum;
    correct_[item] = sums.correct;
  }
  // Collective: the sum over items [0, count), in item order.
  EvalSums gather(Communicator& comm, std::size_t count);

 private:
  std::vector<double> loss_;
  std::vector<double> correct_;
};

}  // namespace mnist_dp
