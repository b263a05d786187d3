// IDX reader: header and payload checks over the shared gzip-aware file access.
#include "mnist_dp/data/idx_reader.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "mnist_dp/data/data_file.hpp"

namespace mnist_dp {
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;
constexpr std::uint32_t kLabelsMagic = 0x00000801;
constexpr std::size_t kMaxPayload = std::size_t{1} << 31;  // 2 GiB: larger is a corrupt header

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  fail_data_file(path, what);
}

std::uint32_t big_endian(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// Reads magic + dims header, checks the magic, returns the dims.
std::vector<std::size_t> read_header(gzFile_s* f, const std::string& path, std::uint32_t magic,
                                     std::size_t dims) {
  std::array<std::uint8_t, 16> header{};
  const std::size_t want = 4 + 4 * dims;
  if (read_some(f, path, header.data(), want) != want) {
    fail(path, "truncated header (file shorter than " + std::to_string(want) + " bytes)");
  }
  const std::uint32_t found = big_endian(header.data());
  if (found != magic) {
    char text[96];
    std::snprintf(text, sizeof text, "bad magic number 0x%08x (expected 0x%08x)", found, magic);
    fail(path, text);
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < dims; ++i) out.push_back(big_endian(header.data() + 4 + 4 * i));
  return out;
}

// Reads exactly n payload bytes, growing the buffer as data arrives (chunks
// doubling from 64 KiB to 8 MiB) so a lying header cannot force a large
// allocation; then requires end of file.
std::vector<std::uint8_t> read_payload(gzFile_s* f, const std::string& path, std::size_t n) {
  if (n > kMaxPayload)
    fail(path, "header declares an implausible size (" + std::to_string(n) + " bytes)");
  std::vector<std::uint8_t> data;
  std::size_t chunk = std::size_t{64} << 10;
  constexpr std::size_t kLargestChunk = std::size_t{8} << 20;
  while (data.size() < n) {
    const std::size_t before = data.size();
    const std::size_t want = std::min(chunk, n - before);
    chunk = std::min(2 * chunk, kLargestChunk);
    data.resize(before + want);
    const std::size_t got = read_some(f, path, data.data() + before, want);
    if (got < want) {
      fail(path, "truncated: header declares " + std::to_string(n) + " data bytes, file has " +
                     std::to_string(before + got));
    }
  }
  std::uint8_t extra = 0;
  if (read_some(f, path, &extra, 1) != 0) fail(path, "unexpected bytes after the declared data");
  return data;
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
  GzFile file = open_data_file(path);
  const auto dims = read_header(file.get(), path, kImagesMagic, 3);
  IdxImages images{dims[0], dims[1], dims[2], {}};
  if (images.count == 0 || images.rows == 0 || images.cols == 0) {
    fail(path, "header declares an empty image set");
  }
  images.pixels = read_payload(file.get(), path, images.count * images.rows * images.cols);
  return images;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path, std::size_t num_classes) {
  GzFile file = open_data_file(path);
  const auto dims = read_header(file.get(), path, kLabelsMagic, 1);
  if (dims[0] == 0) fail(path, "header declares no labels");
  std::vector<std::uint8_t> labels = read_payload(file.get(), path, dims[0]);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      fail(path, "label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                     " is out of range 0.." + std::to_string(num_classes - 1));
    }
  }
  return labels;
}

}  // namespace mnist_dp
