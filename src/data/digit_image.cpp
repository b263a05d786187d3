// MNIST-style preprocessing of a digit picture, after LeCun's description of
// how MNIST was made: fit the digit in 20x20 keeping its aspect ratio, then
// centre its centre of mass in a 28x28 field.
//
// web/digit.js repeats these steps operation by operation in JavaScript, so
// the browser page and `mnist_dp predict` make the same 28x28 bytes from the
// same picture (tests/web checks it). Keep the two in step: every sum runs in
// the same order in double precision, this file is compiled without fused
// multiply-adds, and rounding is floor(v + 0.5).
#include "mnist_dp/data/digit_image.hpp"

#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/core/input_file.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kFitSide = 20;
constexpr std::uint8_t kInkThreshold = 64;

// Rounds half up, as JavaScript's Math.round does (std::lround rounds half
// away from zero, which differs for negative halves).
long round_half_up(double v) { return static_cast<long>(std::floor(v + 0.5)); }

// The mean of the outermost pixels: the background's brightness.
double border_mean(const std::vector<std::uint8_t>& g, std::size_t w, std::size_t h) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t x = 0; x < w; ++x) {
    sum += g[x] + g[(h - 1) * w + x];
    n += 2;
  }
  for (std::size_t y = 0; y < h; ++y) {
    sum += g[y * w] + g[y * w + w - 1];
    n += 2;
  }
  return sum / static_cast<double>(n);
}

// Area resampling of one line of `count` samples spaced `stride` apart, from
// `from` samples to `to`: each output is the mean of the input interval it
// covers, partly covered samples weighted by the covered fraction.
void resample_line(const double* in, std::size_t from, std::size_t stride, double* out,
                   std::size_t to, std::size_t out_stride) {
  const double step = static_cast<double>(from) / static_cast<double>(to);
  for (std::size_t t = 0; t < to; ++t) {
    const double lo = static_cast<double>(t) * step, hi = static_cast<double>(t + 1) * step;
    double sum = 0;
    for (auto s = static_cast<std::size_t>(std::floor(lo)); s < from && static_cast<double>(s) < hi;
         ++s) {
      const double covered =
          std::min(hi, static_cast<double>(s + 1)) - std::max(lo, static_cast<double>(s));
      sum += covered * in[s * stride];
    }
    out[t * out_stride] = sum / (hi - lo);
  }
}

// Resizes a w x h image to tw x th: rows first, then columns.
std::vector<std::uint8_t> resample_area(const std::vector<std::uint8_t>& image, std::size_t w,
                                        std::size_t h, std::size_t tw, std::size_t th) {
  const std::vector<double> in(image.begin(), image.end());
  std::vector<double> rows(tw * h), both(tw * th);
  for (std::size_t y = 0; y < h; ++y) resample_line(&in[y * w], w, 1, &rows[y * tw], tw, 1);
  for (std::size_t x = 0; x < tw; ++x) resample_line(&rows[x], h, tw, &both[x], th, tw);
  std::vector<std::uint8_t> out(tw * th);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::uint8_t>(std::min(255L, round_half_up(both[i])));
  return out;
}

}  // namespace

std::vector<std::uint8_t> mnist_style_digit(const std::vector<std::uint8_t>& gray,
                                            std::size_t width, std::size_t height,
                                            const std::string& source) {
  std::vector<std::uint8_t> g = gray;
  if (border_mean(g, width, height) > 127.0) {  // dark ink on light paper
    for (auto& v : g) v = static_cast<std::uint8_t>(255 - v);
  }
  std::size_t x0 = width, y0 = height, x1 = 0, y1 = 0;
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      if (g[y * width + x] < kInkThreshold) continue;
      x0 = std::min(x0, x);
      y0 = std::min(y0, y);
      x1 = std::max(x1, x);
      y1 = std::max(y1, y);
    }
  }
  if (x0 > x1) throw DataError(source + ": no digit found (the image is blank)");
  const std::size_t cw = x1 - x0 + 1, ch = y1 - y0 + 1;
  std::vector<std::uint8_t> crop(cw * ch);
  for (std::size_t y = 0; y < ch; ++y) {
    std::copy_n(g.begin() + static_cast<std::ptrdiff_t>((y0 + y) * width + x0), cw,
                crop.begin() + static_cast<std::ptrdiff_t>(y * cw));
  }
  const double scale = static_cast<double>(kFitSide) / static_cast<double>(std::max(cw, ch));
  const auto fw = std::max<std::size_t>(
      1, static_cast<std::size_t>(round_half_up(static_cast<double>(cw) * scale)));
  const auto fh = std::max<std::size_t>(
      1, static_cast<std::size_t>(round_half_up(static_cast<double>(ch) * scale)));
  const std::vector<std::uint8_t> fitted = resample_area(crop, cw, ch, fw, fh);
  double mass = 0, mx = 0, my = 0;
  for (std::size_t y = 0; y < fh; ++y) {
    for (std::size_t x = 0; x < fw; ++x) {
      const double v = fitted[y * fw + x];
      mass += v;
      mx += v * static_cast<double>(x);
      my += v * static_cast<double>(y);
    }
  }
  const double centre = (kDigitSide - 1) / 2.0;
  const long dx = mass > 0 ? round_half_up(centre - mx / mass) : 4;
  const long dy = mass > 0 ? round_half_up(centre - my / mass) : 4;
  std::vector<std::uint8_t> out(kDigitSide * kDigitSide, 0);
  for (std::size_t y = 0; y < fh; ++y) {
    for (std::size_t x = 0; x < fw; ++x) {
      const long tx = static_cast<long>(x) + dx, ty = static_cast<long>(y) + dy;
      if (tx < 0 || ty < 0 || tx >= static_cast<long>(kDigitSide) ||
          ty >= static_cast<long>(kDigitSide))
        continue;
      out[static_cast<std::size_t>(ty) * kDigitSide + static_cast<std::size_t>(tx)] =
          fitted[y * fw + x];
    }
  }
  return out;
}

std::vector<std::uint8_t> load_digit_image(const std::string& path) {
  if (const std::string problem = input_file_problem(path); !problem.empty())
    throw DataError(path + ": " + problem);
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(stbi_load(path.c_str(), &w, &h, &channels, 1),
                                                   stbi_image_free);
  if (!pixels) {
    throw DataError(path + ": cannot read as an image (" + stbi_failure_reason() + ")");
  }
  const auto width = static_cast<std::size_t>(w), height = static_cast<std::size_t>(h);
  std::vector<std::uint8_t> gray(pixels.get(), pixels.get() + width * height);
  return mnist_style_digit(gray, width, height, path);
}

}  // namespace mnist_dp
