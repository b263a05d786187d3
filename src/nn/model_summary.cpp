// Keras-style model.summary() table for a Model.
#include <iomanip>
#include <sstream>

#include "mnist_dp/nn/model.hpp"

namespace mnist_dp {
namespace {

std::string with_commas(std::size_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string Model::summary() const {
  std::ostringstream out;
  const std::string rule(65, '_');
  const std::string double_rule(65, '=');
  out << "Model: \"sequential\"\n" << rule << "\n";
  out << std::left << std::setw(29) << " Layer (type)" << std::setw(25) << "Output Shape"
      << "Param #\n"
      << double_rule << "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = *layers_[i];
    const std::string label = " " + layer.name() + " (" + std::string(layer.type()) + ")";
    const std::string shape = "(None, " + std::to_string(layer.output_size()) + ")";
    out << std::left << std::setw(29) << label << std::setw(25) << shape
        << with_commas(layer.param_count()) << "\n";
    out << (i + 1 < layers_.size() ? "\n" : "");
  }
  out << double_rule << "\n";
  out << "Total params: " << with_commas(params_.size()) << "\n";
  out << "Trainable params: " << with_commas(params_.size()) << "\n";
  out << "Non-trainable params: 0\n" << rule << "\n";
  return out.str();
}

}  // namespace mnist_dp
