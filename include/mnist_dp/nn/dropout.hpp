// Inverted dropout. The mask bit of unit u of the sample at global-batch
// position p in step s is a pure function of (seed, s, p, layer, u), so the
// masks are the same whichever rank holds the sample.
#pragma once

#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/nn/layer.hpp"

namespace mnist_dp {

class DropoutLayer final : public Layer {
 public:
  DropoutLayer(std::string name, float rate, std::size_t width, std::uint64_t layer_index,
               std::size_t max_batch);
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "Dropout"; }
  std::size_t output_size() const override { return width_; }
  float rate() const { return rate_; }

  void forward(const StepContext& ctx, ConstMatrixView in, MatrixView out) override;
  void backward(ConstMatrixView in, ConstMatrixView out, MatrixView grad_out,
                MatrixView grad_in) override;

 private:
  std::string name_;
  float rate_;
  std::size_t width_;
  std::uint64_t layer_index_;
  AlignedFloats mask_;  // 0 or 1/(1-rate) per element of the last training batch
  bool mask_active_ = false;
};

}  // namespace mnist_dp
