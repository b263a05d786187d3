// Turns a photo or scan of one handwritten digit (PNG, JPEG, BMP, ... via
// stb_image) into an MNIST-like image: grayscale, white digit on black,
// cropped to the ink, scaled to fit 20x20, and centred by mass in 28x28.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnist_dp {

constexpr std::size_t kDigitSide = 28;

// 784 bytes, row-major. Throws DataError naming the file if it cannot be
// read or holds no ink.
std::vector<std::uint8_t> load_digit_image(const std::string& path);

// The same steps on an 8-bit grayscale image already in memory.
std::vector<std::uint8_t> mnist_style_digit(const std::vector<std::uint8_t>& gray,
                                            std::size_t width, std::size_t height,
                                            const std::string& source);

}  // namespace mnist_dp
