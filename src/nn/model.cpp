// Sequential model: builds layers from a ModelSpec over one flat parameter
// buffer and runs forward/backward through preallocated activation buffers.
#include "mnist_dp/nn/model.hpp"

#include <algorithm>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/nn/activation.hpp"
#include "mnist_dp/nn/dense.hpp"
#include "mnist_dp/nn/dropout.hpp"

namespace mnist_dp {

Model::Model(const ModelSpec& spec, std::size_t input_size, std::size_t num_classes,
             std::size_t max_batch)
    : input_size_(input_size), max_batch_(max_batch) {
  std::size_t width = input_size;
  std::size_t widest = input_size;
  std::size_t dense_count = 0, dropout_count = 0, activation_count = 0;
  for (std::size_t i = 0; i < spec.layers.size(); ++i) {
    const LayerSpec& lc = spec.layers[i];
    switch (lc.kind) {
      case LayerKind::kDense: {
        std::string name = dense_count++ ? "dense_" + std::to_string(dense_count - 1) : "dense";
        const DenseSettings settings{lc.units, lc.activation, lc.kernel_l2, lc.bias_l2};
        layers_.push_back(std::make_unique<DenseLayer>(std::move(name), settings, width, params_));
        width = lc.units;
        break;
      }
      case LayerKind::kDropout: {
        std::string name =
            dropout_count++ ? "dropout_" + std::to_string(dropout_count - 1) : "dropout";
        layers_.push_back(
            std::make_unique<DropoutLayer>(std::move(name), lc.rate, width, i, max_batch));
        break;
      }
      case LayerKind::kActivation: {
        std::string name = activation_count++ ? "activation_" + std::to_string(activation_count - 1)
                                              : "activation";
        layers_.push_back(std::make_unique<ActivationLayer>(std::move(name), lc.activation, width));
        break;
      }
    }
    widest = std::max(widest, width);
    outputs_.emplace_back(max_batch * width);
  }
  if (width != num_classes) {
    throw ConfigError("model.layers: the last Dense layer has " + std::to_string(width) +
                      " units but the dataset has " + std::to_string(num_classes) + " classes");
  }
  params_.allocate();
  grad_a_.resize(max_batch * widest);
  grad_b_.resize(max_batch * widest);
  grad_logits_.resize(max_batch * num_classes);
}

void Model::set_sparsity(bool sparse_input, const SparseBelow& below,
                         std::size_t max_training_rows) {
  layers_.front()->set_sparse_input(sparse_input);
  for (auto& layer : layers_) layer->set_sparse_below(below, max_training_rows);
}

void Model::choose_sparse_forward(ConstMatrixView sample) {
  layers_.front()->choose_sparse_forward(sample);
}

void Model::set_precision(Precision precision, std::size_t max_training_rows) {
  for (auto& layer : layers_) layer->set_precision(precision, max_training_rows);
}

void Model::initialize(std::uint64_t seed) {
  for (std::size_t i = 0; i < layers_.size(); ++i) layers_[i]->initialize(seed, i);
}

ConstMatrixView Model::forward(const StepContext& ctx, ConstMatrixView x) {
  ConstMatrixView in = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    MatrixView out{outputs_[i].data(), x.rows, layers_[i]->output_size()};
    layers_[i]->forward(ctx, in, out);
    in = out;
  }
  return in;
}

MatrixView Model::logits_grad_buffer(std::size_t rows) {
  return {grad_logits_.data(), rows, layers_.back()->output_size()};
}

void Model::backward(ConstMatrixView x, MatrixView grad_logits) {
  MatrixView grad_out = grad_logits;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const ConstMatrixView in =
        i == 0 ? x : ConstMatrixView{outputs_[i - 1].data(), x.rows, layers_[i - 1]->output_size()};
    const ConstMatrixView out{outputs_[i].data(), x.rows, layers_[i]->output_size()};
    float* next = grad_out.data == grad_a_.data() ? grad_b_.data() : grad_a_.data();
    MatrixView grad_in = i == 0 ? MatrixView{} : MatrixView{next, x.rows, in.cols};
    layers_[i]->backward(in, out, grad_out, grad_in);
    grad_out = grad_in;
  }
}

}  // namespace mnist_dp
