// Inference over a run of rows of a dataset: loss and correct counts, and
// each row's logits to whoever asks. The trainer evaluates its rank's share
// of the test set with it and the `evaluate` command the whole set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/nn/model.hpp"

namespace mnist_dp {

struct EvalSums {
  double loss_sum = 0;  // summed cross-entropy, no regularisation
  double correct = 0;
};

// Loss (mean cross-entropy plus the L2 penalty, as Keras reports it) and accuracy.
struct EvalResult {
  double loss = 0;
  double accuracy = 0;
};

// Called for each row: its index in the dataset, its logits, its label.
using RowVisitor = std::function<void(std::size_t index, const float* logits, std::uint8_t label)>;

class Evaluator {
 public:
  // Passes of at most `chunk` rows; the model's max_batch must be >= chunk.
  Evaluator(std::size_t features, std::size_t chunk);

  // Rows [first, end) of data, without dropout. Allocates nothing.
  EvalSums run(Model& model, const Dataset& data, std::size_t first, std::size_t end,
               const RowVisitor& visit = {});
  std::size_t chunk() const { return chunk_; }

 private:
  std::size_t chunk_;
  std::vector<float> x_;
  std::vector<std::uint8_t> labels_;
};

// The result for sums over `count` rows of a model's predictions.
EvalResult eval_result(const EvalSums& sums, std::size_t count, const Model& model);

}  // namespace mnist_dp
