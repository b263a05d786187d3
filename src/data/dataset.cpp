// Finds and loads a configured dataset's files and copies batches out of it.
#include "mnist_dp/data/dataset.hpp"

#include <algorithm>
#include <filesystem>

#include "mnist_dp/data/digits_csv.hpp"
#include "mnist_dp/data/idx_reader.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kImageSide = 28;
constexpr std::size_t kClasses = 10;

// "<dir>/<stem>" if it exists, else "<dir>/<stem>.gz" if that exists, else the plain name.
std::string find_file(const std::string& dir, const std::string& stem) {
  const std::filesystem::path plain = std::filesystem::path(dir) / stem;
  std::error_code ec;
  if (std::filesystem::exists(plain, ec)) return plain.string();
  const std::filesystem::path gz = plain.string() + ".gz";
  if (std::filesystem::exists(gz, ec)) return gz.string();
  return plain.string();
}

Dataset load_idx_pair(const std::string& dir, const std::string& prefix, std::size_t limit) {
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  IdxImages images = read_idx_images(images_path);
  std::vector<std::uint8_t> labels = read_idx_labels(labels_path, kClasses);
  if (images.rows != kImageSide || images.cols != kImageSide) {
    throw DataError(images_path + ": images are " + std::to_string(images.rows) + "x" +
                    std::to_string(images.cols) + ", expected 28x28");
  }
  if (labels.size() != images.count) {
    throw DataError(labels_path + ": " + std::to_string(labels.size()) + " labels but " +
                    images_path + " has " + std::to_string(images.count) + " images");
  }
  Dataset d;
  d.features = images.rows * images.cols;
  d.count = limit ? std::min(limit, images.count) : images.count;
  d.scale = 1.0f / 255.0f;
  images.pixels.resize(d.count * d.features);
  labels.resize(d.count);
  d.pixels = std::move(images.pixels);
  d.labels = std::move(labels);
  return d;
}

// Rows [first, first + count) of data.
Dataset slice_rows(const Dataset& data, std::size_t first, std::size_t count) {
  Dataset d;
  d.count = count;
  d.features = data.features;
  d.scale = data.scale;
  const auto pixel = data.pixels.begin() + static_cast<std::ptrdiff_t>(first * data.features);
  d.pixels.assign(pixel, pixel + static_cast<std::ptrdiff_t>(count * data.features));
  const auto label = data.labels.begin() + static_cast<std::ptrdiff_t>(first);
  d.labels.assign(label, label + static_cast<std::ptrdiff_t>(count));
  return d;
}

// One file split into a training part (the first train_split rows) and a test part.
DatasetPair load_digits(const DataSettings& settings) {
  const std::string path = find_file(settings.dir, "digits.csv");
  const Dataset all = read_digits_csv(path);
  if (settings.train_split >= all.count) {
    throw DataError(path + ": has " + std::to_string(all.count) + " rows, so data.train_split " +
                    std::to_string(settings.train_split) + " leaves no test rows");
  }
  auto limited = [](std::size_t available, std::size_t limit) {
    return limit ? std::min(limit, available) : available;
  };
  DatasetPair pair;
  pair.num_classes = kClasses;
  pair.train = slice_rows(all, 0, limited(settings.train_split, settings.train_limit));
  pair.test = slice_rows(all, settings.train_split,
                         limited(all.count - settings.train_split, settings.test_limit));
  return pair;
}

// Writes sample `index` scaled to floats into dst and its label into *label.
void copy_row(const Dataset& data, std::size_t index, float* dst, std::uint8_t* label) {
  const std::uint8_t* src = data.pixels.data() + index * data.features;
  for (std::size_t c = 0; c < data.features; ++c) dst[c] = static_cast<float>(src[c]) * data.scale;
  *label = data.labels[index];
}

}  // namespace

std::vector<std::string> dataset_files(const DataSettings& settings) {
  if (settings.kind == DatasetKind::kDigits8x8) return {find_file(settings.dir, "digits.csv")};
  std::vector<std::string> files;
  for (const char* prefix : {"train", "t10k"}) {
    for (const char* kind : {"-images-idx3-ubyte", "-labels-idx1-ubyte"})
      files.push_back(find_file(settings.dir, std::string(prefix) + kind));
  }
  return files;
}

DatasetPair load_datasets(const DataSettings& settings) {
  if (settings.kind == DatasetKind::kDigits8x8) return load_digits(settings);
  DatasetPair pair;
  pair.num_classes = kClasses;
  pair.train = load_idx_pair(settings.dir, "train", settings.train_limit);
  pair.test = load_idx_pair(settings.dir, "t10k", settings.test_limit);
  return pair;
}

void gather_batch(const Dataset& data, std::span<const std::uint32_t> indices, MatrixView out,
                  std::uint8_t* labels) {
  for (std::size_t r = 0; r < indices.size(); ++r)
    copy_row(data, indices[r], out.row(r), labels + r);
}

void copy_rows(const Dataset& data, std::size_t first, MatrixView out, std::uint8_t* labels) {
  for (std::size_t r = 0; r < out.rows; ++r) copy_row(data, first + r, out.row(r), labels + r);
}

std::vector<IndexRange> always_zero_features(const Dataset& data) {
  std::vector<std::uint8_t> any(data.features, 0);
  for (std::size_t r = 0; r < data.count; ++r) {
    const std::uint8_t* row = data.pixels.data() + r * data.features;
    for (std::size_t f = 0; f < data.features; ++f) any[f] |= row[f];
  }
  std::vector<IndexRange> runs;
  for (std::size_t f = 0; f < data.features; ++f) {
    if (any[f]) continue;
    if (!runs.empty() && runs.back().end == f) {
      runs.back().end = f + 1;
    } else {
      runs.push_back({f, f + 1});
    }
  }
  return runs;
}

double nonzero_fraction(const Dataset& data) {
  if (data.pixels.empty()) return 0;
  const auto zeros = std::count(data.pixels.begin(), data.pixels.end(), std::uint8_t{0});
  return 1.0 - static_cast<double>(zeros) / static_cast<double>(data.pixels.size());
}

}  // namespace mnist_dp
