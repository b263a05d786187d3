// Per-item sums gathered as bytes and added in item order.
#include "mnist_dp/train/ordered_sums.hpp"

#include <algorithm>
#include <span>

namespace mnist_dp {

void OrderedSums::clear() {
  std::fill(loss_.begin(), loss_.end(), 0.0);
  std::fill(correct_.begin(), correct_.end(), 0.0);
}

EvalSums OrderedSums::gather(Communicator& comm, std::size_t count) {
  const std::span<double> loss(loss_.data(), count), correct(correct_.data(), count);
  comm.allgather_blocks(loss);
  comm.allgather_blocks(correct);
  EvalSums total;
  for (std::size_t i = 0; i < count; ++i) {
    total.loss_sum += loss[i];
    total.correct += correct[i];
  }
  return total;
}

}  // namespace mnist_dp
