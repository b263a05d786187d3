// IDX reader and dataset loader on tiny files made here: raw and gzip files
// read back exactly; every malformed file is rejected with its path named.
#include "mnist_dp/data/idx_reader.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <functional>
#include <ostream>

#include "mnist_dp/data/dataset.hpp"
#include "test_support.hpp"

namespace mnist_dp {
namespace {

using testing::TempDir;
using testing::write_file;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string images_file(std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                        std::uint32_t magic = 0x803) {
  std::string s = be32(magic) + be32(count) + be32(rows) + be32(cols);
  for (std::uint32_t i = 0; i < count * rows * cols; ++i) s += static_cast<char>(i % 251);
  return s;
}

std::string labels_file(std::uint32_t count, std::uint8_t max_label = 9) {
  std::string s = be32(0x801) + be32(count);
  for (std::uint32_t i = 0; i < count; ++i) s += static_cast<char>(i % (max_label + 1));
  return s;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

std::string error_of(const std::function<void()>& f) {
  return testing::error_message<DataError>(f);
}

TEST(IdxReader, ReadsRawAndGzipIdentically) {
  TempDir dir;
  const std::string bytes = images_file(3, 2, 4);
  write_file(dir.file("raw"), bytes);
  write_gzip(dir.file("packed.gz"), bytes);
  const IdxImages a = read_idx_images(dir.file("raw"));
  const IdxImages b = read_idx_images(dir.file("packed.gz"));
  EXPECT_EQ(a.count, 3u);
  EXPECT_EQ(a.rows, 2u);
  EXPECT_EQ(a.cols, 4u);
  ASSERT_EQ(a.pixels.size(), 24u);
  EXPECT_EQ(a.pixels[23], 23);
  EXPECT_EQ(a.pixels, b.pixels);
}

TEST(IdxReader, ReadsLabels) {
  TempDir dir;
  write_file(dir.file("l"), labels_file(12));
  const auto labels = read_idx_labels(dir.file("l"), 10);
  ASSERT_EQ(labels.size(), 12u);
  EXPECT_EQ(labels[11], 1);
}

struct Corrupt {
  const char* name;
  std::string bytes;
  bool labels;
  const char* expected;
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const Corrupt& c, std::ostream* os) { *os << c.name; }

class IdxRejects : public ::testing::TestWithParam<Corrupt> {};

TEST_P(IdxRejects, NamingTheFile) {
  TempDir dir;
  const std::string path = dir.file("bad-file");
  write_file(path, GetParam().bytes);
  const std::string message = error_of([&] {
    if (GetParam().labels)
      read_idx_labels(path, 10);
    else
      read_idx_images(path);
  });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Files, IdxRejects,
    ::testing::Values(
        Corrupt{"Empty", "", false, "truncated header"},
        Corrupt{"ShortHeader", be32(0x803) + be32(1), false, "truncated header"},
        Corrupt{"WrongMagic", images_file(1, 2, 2, 0x801), false,
                "bad magic number 0x00000801 (expected 0x00000803)"},
        Corrupt{"LabelsGivenAsImages", labels_file(40), false, "bad magic"},
        Corrupt{"TruncatedPixels", images_file(3, 2, 2).substr(0, 16 + 7), false, "truncated"},
        Corrupt{"TrailingBytes", images_file(1, 2, 2) + "xx", false, "unexpected bytes"},
        Corrupt{"EmptySet", images_file(0, 2, 2), false, "empty image set"},
        Corrupt{"HugeHeader", be32(0x803) + be32(0xffffffff) + be32(0xffff) + be32(0xffff), false,
                "implausible"},
        Corrupt{"LabelOutOfRange", labels_file(20, 12), true,
                "label 10 at index 10 is out of range"},
        Corrupt{"TruncatedLabels", labels_file(5).substr(0, 10), true, "truncated"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(IdxReader, MissingFileIsNamed) {
  EXPECT_EQ(error_of([] { read_idx_images("/nonexistent/train-images"); }),
            "/nonexistent/train-images: no such file");
}

TEST(IdxReader, CorruptGzipIsRejected) {
  TempDir dir;
  write_gzip(dir.file("x.gz"), images_file(4, 28, 28));
  std::string bytes = testing::read_file(dir.file("x.gz"));
  for (std::size_t i = 20; i < bytes.size() - 8; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  write_file(dir.file("x.gz"), bytes);
  EXPECT_NE(error_of([&] { read_idx_images(dir.file("x.gz")); }), "no error");
}

void write_mnist_dir(const TempDir& dir, std::uint32_t train, std::uint32_t train_labels,
                     std::uint32_t side = 28) {
  write_file(dir.file("train-images-idx3-ubyte"), images_file(train, side, side));
  write_gzip(dir.file("train-labels-idx1-ubyte.gz"), labels_file(train_labels));
  write_file(dir.file("t10k-images-idx3-ubyte"), images_file(5, side, side));
  write_file(dir.file("t10k-labels-idx1-ubyte"), labels_file(5));
}

TEST(Dataset, LoadsMixedRawAndGzipAndAppliesLimits) {
  TempDir dir;
  write_mnist_dir(dir, 8, 8);
  DataSettings config;
  config.dir = dir.path();
  config.train_limit = 6;
  const DatasetPair d = load_datasets(config);
  EXPECT_EQ(d.train.count, 6u);
  EXPECT_EQ(d.train.features, 784u);
  EXPECT_EQ(d.test.count, 5u);
  EXPECT_EQ(d.train.labels[3], 3);
  std::vector<float> row(784);
  std::uint8_t label = 0;
  copy_rows(d.train, 0, MatrixView{row.data(), 1, 784}, &label);
  EXPECT_FLOAT_EQ(row[250], 250.0f / 255.0f);
}

TEST(Dataset, CountMismatchNamesBothFiles) {
  TempDir dir;
  write_mnist_dir(dir, 8, 7);
  DataSettings config;
  config.dir = dir.path();
  const std::string message = error_of([&] { load_datasets(config); });
  EXPECT_NE(message.find("7 labels but"), std::string::npos) << message;
  EXPECT_NE(message.find("train-images-idx3-ubyte has 8 images"), std::string::npos) << message;
}

TEST(Dataset, WrongImageSizeIsRejected) {
  TempDir dir;
  write_mnist_dir(dir, 4, 4, 27);
  DataSettings config;
  config.dir = dir.path();
  EXPECT_NE(error_of([&] { load_datasets(config); }).find("images are 27x27, expected 28x28"),
            std::string::npos);
}

}  // namespace
}  // namespace mnist_dp
