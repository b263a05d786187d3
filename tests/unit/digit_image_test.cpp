// mnist_style_digit: the MNIST-style preprocessing of `mnist_dp predict` on
// image files (and of the browser page, web/digit.js, which repeats it).
#include "mnist_dp/data/digit_image.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {
namespace {

std::vector<std::uint8_t> picture(std::size_t w, std::size_t h, std::uint8_t background) {
  return std::vector<std::uint8_t>(w * h, background);
}

void fill(std::vector<std::uint8_t>& g, std::size_t w, std::size_t x0, std::size_t y0,
          std::size_t x1, std::size_t y1, std::uint8_t v) {
  for (std::size_t y = y0; y < y1; ++y)
    for (std::size_t x = x0; x < x1; ++x) g[y * w + x] = v;
}

// A solid 40x40 square is halved to a 20x20 square of the same brightness
// (area resampling keeps a flat area flat) and centred: columns 4..23.
TEST(MnistStyleDigit, FitsInkIn20x20AndCentresIt) {
  auto g = picture(100, 80, 0);
  fill(g, 100, 10, 30, 50, 70, 200);
  const auto out = mnist_style_digit(g, 100, 80, "square");
  for (std::size_t y = 0; y < kDigitSide; ++y) {
    for (std::size_t x = 0; x < kDigitSide; ++x) {
      const bool inside = x >= 4 && x < 24 && y >= 4 && y < 24;
      EXPECT_EQ(out[y * kDigitSide + x], inside ? 200 : 0) << x << "," << y;
    }
  }
}

// Dark ink on light paper is inverted first; a 6:1 bar keeps its aspect
// ratio (20 wide, 3 high) and is placed by its centre of mass, which the
// brighter left half pulls left of the middle.
TEST(MnistStyleDigit, InvertsLightPaperAndCentresByMass) {
  auto g = picture(60, 60, 255);
  fill(g, 60, 0, 20, 30, 30, 0);    // 30x10 of black ink ...
  fill(g, 60, 30, 20, 60, 30, 55);  // ... then 30x10 of dark gray: 60x10 in all
  const auto out = mnist_style_digit(g, 60, 60, "bar");
  std::vector<std::size_t> ink_rows;
  for (std::size_t y = 0; y < kDigitSide; ++y)
    if (out[y * kDigitSide + 14]) ink_rows.push_back(y);
  // 10 * 20/60 = 3.33 rows; centre of mass 1 of 0..2, placed at 13.5: 13 (half up).
  EXPECT_EQ(ink_rows, (std::vector<std::size_t>{13, 14, 15}));
  // Columns: 10 of 255 then 10 of 200; mass centre (255*45 + 200*145) / 4550
  // = 8.90, so the bar starts at round(13.5 - 8.90) = 5.
  const std::uint8_t* row = &out[14 * kDigitSide];
  for (std::size_t x = 0; x < kDigitSide; ++x) {
    const int expected = x < 5 || x >= 25 ? 0 : x < 15 ? 255 : 200;
    EXPECT_EQ(row[x], expected) << "column " << x;
  }
}

// A 3-pixel-wide ramp resampled to 1: the mean of the covered pixels.
TEST(MnistStyleDigit, AveragesTheCoveredArea) {
  auto g = picture(30, 3, 0);
  g[1 * 30 + 10] = 100;
  g[1 * 30 + 11] = 101;
  g[1 * 30 + 12] = 102;
  // 3 wide, 1 high: scaled to 20 x 7 (0.33 * 20 = 6.67 rounds to 7) — every
  // output pixel covers part of one row, so the row's values come back
  // spread over 20 columns, in order.
  const auto out = mnist_style_digit(g, 30, 3, "ramp");
  const int sum = std::accumulate(out.begin(), out.end(), 0);
  EXPECT_GT(sum, 0);
  std::vector<std::uint8_t> row;
  for (std::size_t x = 0; x < kDigitSide; ++x)
    if (out[13 * kDigitSide + x]) row.push_back(out[13 * kDigitSide + x]);
  ASSERT_EQ(row.size(), 20u);
  EXPECT_EQ(row.front(), 100);
  EXPECT_EQ(row.back(), 102);
  EXPECT_TRUE(std::is_sorted(row.begin(), row.end()));
}

TEST(MnistStyleDigit, BlankPictureIsAnErrorNamingIt) {
  try {
    mnist_style_digit(picture(10, 10, 255), 10, 10, "blank.png");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "blank.png: no digit found (the image is blank)");
  }
}

}  // namespace
}  // namespace mnist_dp
