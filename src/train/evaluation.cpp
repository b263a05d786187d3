// Inference passes over rows of a dataset in fixed chunks.
#include "mnist_dp/train/evaluation.hpp"

#include <algorithm>

#include "mnist_dp/nn/softmax_cross_entropy.hpp"
#include "mnist_dp/optim/regularization.hpp"

namespace mnist_dp {

Evaluator::Evaluator(std::size_t features, std::size_t chunk)
    : chunk_(chunk), x_(chunk * features), labels_(chunk) {}

EvalSums Evaluator::run(Model& model, const Dataset& data, std::size_t first, std::size_t end,
                        const RowVisitor& visit) {
  EvalSums sums;
  const StepContext inference{};  // no dropout
  for (std::size_t begin = first; begin < end; begin += chunk_) {
    const std::size_t rows = std::min(chunk_, end - begin);
    const MatrixView x{x_.data(), rows, data.features};
    copy_rows(data, begin, x, labels_.data());
    const ConstMatrixView logits = model.forward(inference, x);
    const LossStats stats = softmax_cross_entropy(logits, labels_.data(), 0.0f, MatrixView{});
    sums.loss_sum += stats.loss_sum;
    sums.correct += static_cast<double>(stats.correct);
    if (!visit) continue;
    for (std::size_t r = 0; r < rows; ++r) visit(begin + r, logits.row(r), labels_[r]);
  }
  return sums;
}

EvalResult eval_result(const EvalSums& sums, std::size_t count, const Model& model) {
  const auto n = static_cast<double>(count);
  return {sums.loss_sum / n + l2_penalty(model.params()), sums.correct / n};
}

}  // namespace mnist_dp
