// In-memory datasets: pixels kept as bytes with a scale to [0, 1], labels as
// class ids, and the loader that finds a dataset's files in its directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

// MNIST and Fashion-MNIST: four IDX files (train/t10k images and labels, raw
// or .gz). Digits8x8: one digits.csv split into training and test rows.
enum class DatasetKind { kMnist, kFashionMnist, kDigits8x8 };

// Which dataset to load, where from, and how much of it.
struct DataSettings {
  DatasetKind kind = DatasetKind::kMnist;
  std::string dir = "data/mnist";
  std::size_t train_split = 0;  // digits8x8: the first N rows train, the rest test
  std::size_t train_limit = 0;  // use only the first N training images (0: all)
  std::size_t test_limit = 0;   // use only the first N test images (0: all)
};

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

// Loads the dataset from its directory, applying the limits. Throws
// DataError naming the file on any problem.
DatasetPair load_datasets(const DataSettings& settings);
// The files load_datasets reads for these settings.
std::vector<std::string> dataset_files(const DataSettings& settings);

// Copies rows `indices` of data into out (scaled to floats) and their labels.
void gather_batch(const Dataset& data, std::span<const std::uint32_t> indices, MatrixView out,
                  std::uint8_t* labels);
// Copies the contiguous rows [first, first + out.rows) of data.
void copy_rows(const Dataset& data, std::size_t first, MatrixView out, std::uint8_t* labels);
// The fraction of pixels that are not zero (MNIST 0.19, Fashion-MNIST 0.50).
double nonzero_fraction(const Dataset& data);
// The features (pixels) that are zero in every example, as runs [begin, end).
std::vector<IndexRange> always_zero_features(const Dataset& data);

}  // namespace mnist_dp
