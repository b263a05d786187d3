// Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed
// (zlib reads both). Every check failure names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

struct IdxImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::uint8_t> pixels;  // count * rows * cols, row-major
};

// Magic 0x00000803, dims (count, rows, cols); exact payload, no trailing bytes.
IdxImages read_idx_images(const std::string& path);
// Magic 0x00000801, dim (count); every label < num_classes.
std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes);

}  // namespace mnist_dp
