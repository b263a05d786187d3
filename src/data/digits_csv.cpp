// Parses the 8x8 digits CSV line by line with strict field checks.
#include "mnist_dp/data/digits_csv.hpp"

#include <charconv>
#include <string_view>

#include "mnist_dp/data/data_file.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kPixels = 64;
constexpr int kMaxPixel = 16;
constexpr int kClasses = 10;
constexpr std::size_t kMaxFileBytes = std::size_t{64} << 20;

// Appends the 64 pixels and the label of one line to d.
void parse_line(std::string_view line, const std::string& where, Dataset& d) {
  std::size_t field = 0;
  while (true) {
    const std::size_t comma = line.find(',');
    const std::string_view text = line.substr(0, comma);
    int value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      throw DataError(where + ": field " + std::to_string(field + 1) + " '" + std::string(text) +
                      "' is not an integer");
    }
    const int limit = field < kPixels ? kMaxPixel : kClasses - 1;
    if (field > kPixels || value < 0 || value > limit) {
      throw DataError(where + (field > kPixels ? ": more than 65 fields"
                                               : ": field " + std::to_string(field + 1) +
                                                     " value " + std::to_string(value) +
                                                     " is outside 0.." + std::to_string(limit)));
    }
    if (field < kPixels) {
      d.pixels.push_back(static_cast<std::uint8_t>(value));
    } else {
      d.labels.push_back(static_cast<std::uint8_t>(value));
    }
    ++field;
    if (comma == std::string_view::npos) break;
    line.remove_prefix(comma + 1);
  }
  if (field != kPixels + 1) {
    throw DataError(where + ": " + std::to_string(field) +
                    " fields, expected 65 (64 pixels, label)");
  }
}

}  // namespace

Dataset read_digits_csv(const std::string& path) {
  const std::string text = read_whole_data_file(path, kMaxFileBytes);
  Dataset d;
  d.features = kPixels;
  d.scale = 1.0f / static_cast<float>(kMaxPixel);
  std::string_view rest = text;
  for (std::size_t line_no = 1; !rest.empty(); ++line_no) {
    const std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() && rest.empty()) break;  // final newline
    parse_line(line, path + ": line " + std::to_string(line_no), d);
    ++d.count;
  }
  if (d.count == 0) throw DataError(path + ": no rows");
  return d;
}

}  // namespace mnist_dp
