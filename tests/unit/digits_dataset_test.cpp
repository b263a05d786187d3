// The 8x8 digits CSV reader and its train/test split, and Fashion-MNIST
// loading through the same IDX path as MNIST, all on tiny files made here.
#include <gtest/gtest.h>
#include <zlib.h>

#include <functional>
#include <ostream>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/data/dataset.hpp"
#include "mnist_dp/data/digits_csv.hpp"
#include "test_support.hpp"

namespace mnist_dp {
namespace {

using testing::TempDir;
using testing::write_file;

// Row r: pixel c has value (r + c) % 17, label r % 10.
std::string digits_csv(std::size_t rows) {
  std::string s;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < 64; ++c) s += std::to_string((r + c) % 17) + ",";
    s += std::to_string(r % 10) + "\n";
  }
  return s;
}

std::string error_of(const std::function<void()>& f) {
  return testing::error_message<DataError>(f);
}

TEST(DigitsCsv, ReadsPixelsScaledBySixteenAndLabels) {
  TempDir dir;
  write_file(dir.file("digits.csv"), digits_csv(3));
  const Dataset d = read_digits_csv(dir.file("digits.csv"));
  EXPECT_EQ(d.count, 3u);
  EXPECT_EQ(d.features, 64u);
  EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{0, 1, 2}));
  std::vector<float> row(64);
  std::uint8_t label = 0;
  copy_rows(d, 2, MatrixView{row.data(), 1, 64}, &label);
  EXPECT_EQ(label, 2);
  EXPECT_FLOAT_EQ(row[0], 2.0f / 16.0f);
  EXPECT_FLOAT_EQ(row[14], 16.0f / 16.0f);
}

TEST(DigitsCsv, ReadsGzipAndSplitsFirstRowsForTraining) {
  TempDir dir;
  const std::string text = digits_csv(12);
  gzFile f = gzopen(dir.file("digits.csv.gz").c_str(), "wb");
  ASSERT_NE(f, nullptr);
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  DataSettings config;
  config.kind = DatasetKind::kDigits8x8;
  config.dir = dir.path();
  config.train_split = 10;
  const DatasetPair pair = load_datasets(config);
  EXPECT_EQ(pair.train.count, 10u);
  EXPECT_EQ(pair.test.count, 2u);
  EXPECT_EQ(pair.test.labels, (std::vector<std::uint8_t>{0, 1}));  // rows 10 and 11
  EXPECT_EQ(pair.test.pixels[0], 10);
  config.test_limit = 1;
  config.train_limit = 4;
  const DatasetPair limited = load_datasets(config);
  EXPECT_EQ(limited.train.count, 4u);
  EXPECT_EQ(limited.test.count, 1u);
}

TEST(DigitsCsv, SplitLeavingNoTestRowsIsRejected) {
  TempDir dir;
  write_file(dir.file("digits.csv"), digits_csv(5));
  DataSettings config;
  config.kind = DatasetKind::kDigits8x8;
  config.dir = dir.path();
  config.train_split = 5;
  EXPECT_NE(error_of([&] { load_datasets(config); }).find("leaves no test rows"),
            std::string::npos);
}

struct BadCsv {
  const char* name;
  std::string text;
  const char* expected;
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const BadCsv& c, std::ostream* os) { *os << c.name; }

class DigitsCsvRejects : public ::testing::TestWithParam<BadCsv> {};

TEST_P(DigitsCsvRejects, NamingFileAndLine) {
  TempDir dir;
  write_file(dir.file("digits.csv"), GetParam().text);
  const std::string message = error_of([&] { read_digits_csv(dir.file("digits.csv")); });
  EXPECT_NE(message.find(dir.file("digits.csv")), std::string::npos) << message;
  EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, DigitsCsvRejects,
    ::testing::Values(
        BadCsv{"Empty", "", "no rows"},
        BadCsv{"ShortRow", digits_csv(1) + "1,2,3\n", "line 2: 3 fields, expected 65"},
        BadCsv{"LongRow", digits_csv(1).substr(0, digits_csv(1).size() - 1) + ",4\n",
               "line 1: more than 65 fields"},
        BadCsv{"PixelTooLarge", "17" + digits_csv(1).substr(1), "line 1: field 1 value 17"},
        BadCsv{"LabelOutOfRange", digits_csv(1).substr(0, digits_csv(1).size() - 2) + "10\n",
               "field 65 value 10 is outside 0..9"},
        BadCsv{"NotANumber", "x" + digits_csv(1).substr(1), "field 1 'x' is not an integer"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(DigitsCsv, MissingFileIsNamed) {
  DataSettings config;
  config.kind = DatasetKind::kDigits8x8;
  config.dir = "/nonexistent-digits";
  EXPECT_NE(
      error_of([&] { load_datasets(config); }).find("/nonexistent-digits/digits.csv: no such file"),
      std::string::npos);
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

TEST(FashionMnist, LoadsFromItsDirectoryLikeMnist) {
  TempDir dir;
  for (const char* prefix : {"train", "t10k"}) {
    std::string images = be32(0x803) + be32(2) + be32(28) + be32(28) + std::string(2 * 784, '\x7f');
    write_file(dir.file(std::string(prefix) + "-images-idx3-ubyte"), images);
    write_file(dir.file(std::string(prefix) + "-labels-idx1-ubyte"),
               be32(0x801) + be32(2) + std::string("\x09\x03", 2));
  }
  DataSettings config;
  config.kind = DatasetKind::kFashionMnist;
  config.dir = dir.path();
  const DatasetPair pair = load_datasets(config);
  EXPECT_EQ(pair.train.count, 2u);
  EXPECT_EQ(pair.test.labels, (std::vector<std::uint8_t>{9, 3}));
  EXPECT_FLOAT_EQ(static_cast<float>(pair.train.pixels[5]) * pair.train.scale, 127.0f / 255.0f);
}

}  // namespace
}  // namespace mnist_dp
