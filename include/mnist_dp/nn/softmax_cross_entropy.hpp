// Softmax fused with categorical cross-entropy, computed from logits with the
// log-sum-exp trick, so it never takes the log of a rounded-to-zero probability.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

struct LossStats {
  double loss_sum = 0.0;    // sum over rows of -log p(label)
  std::size_t correct = 0;  // rows whose arg-max equals the label
};

// logits: (batch, classes), labels: batch class ids. If grad.data is set, it
// receives (softmax(logits) - onehot(label)) * grad_scale, row by row.
LossStats softmax_cross_entropy(ConstMatrixView logits, const std::uint8_t* labels,
                                float grad_scale, MatrixView grad);

// Softmax probabilities of each row of logits, written to probs.
void softmax_rows(ConstMatrixView logits, MatrixView probs);

}  // namespace mnist_dp
