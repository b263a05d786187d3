// Reader for scikit-learn's 8x8 digits file (digits.csv or digits.csv.gz):
// one image per line, 64 comma-separated pixel values 0..16, then the label.
#pragma once

#include <string>

#include "mnist_dp/data/dataset.hpp"

namespace mnist_dp {

// All rows of the file, pixels scaled by 1/16. Any malformed line is a
// DataError naming the file and the line.
Dataset read_digits_csv(const std::string& path);

}  // namespace mnist_dp
