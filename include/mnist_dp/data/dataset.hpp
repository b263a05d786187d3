// In-memory datasets: pixels kept as bytes with a scale to [0, 1], labels as
// class ids, and the loader that finds a dataset's files in its directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mnist_dp/config.hpp"
#include "mnist_dp/tensor.hpp"

namespace mnist_dp {

struct Dataset {
  std::size_t count = 0;
  std::size_t features = 0;  // pixels per image
  float scale = 1.0f;        // multiply a pixel byte by this to get [0, 1]
  std::vector<std::uint8_t> pixels;
  std::vector<std::uint8_t> labels;
};

struct DatasetPair {
  Dataset train;
  Dataset test;
  std::size_t num_classes = 10;
};

// Loads the dataset named in the config from its directory, applying the
// configured limits. Throws DataError naming the file on any problem.
DatasetPair load_datasets(const DataConfig& config);
// The files load_datasets reads for this config.
std::vector<std::string> dataset_files(const DataConfig& config);

// Copies rows `indices` of data into out (scaled to floats) and their labels.
void gather_batch(const Dataset& data, std::span<const std::uint32_t> indices, MatrixView out,
                  std::uint8_t* labels);
// Copies the contiguous rows [first, first + out.rows) of data.
void copy_rows(const Dataset& data, std::size_t first, MatrixView out, std::uint8_t* labels);

}  // namespace mnist_dp
