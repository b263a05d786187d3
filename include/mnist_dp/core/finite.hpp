// Finiteness of float buffers, for stopping a diverged run before a NaN or an
// infinity reaches the parameters or a checkpoint.
#pragma once

#include <span>

namespace mnist_dp {

// Whether no value is NaN or infinite. A test of the exponent bits that the
// compiler vectorises: about 14 us for 335k floats here.
bool all_finite(std::span<const float> values);

}  // namespace mnist_dp
