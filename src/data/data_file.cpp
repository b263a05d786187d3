// zlib-backed file access shared by the dataset readers.
#include "mnist_dp/data/data_file.hpp"

#include <algorithm>

#include "mnist_dp/core/input_file.hpp"

namespace mnist_dp {

void fail_data_file(const std::string& path, const std::string& what) {
  throw DataError(path + ": " + what);
}

GzFile open_data_file(const std::string& path) {
  if (const std::string problem = input_file_problem(path); !problem.empty())
    fail_data_file(path, problem);
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) fail_data_file(path, "cannot open for reading");
  return file;
}

std::size_t read_some(gzFile_s* f, const std::string& path, std::uint8_t* out, std::size_t n) {
  std::size_t total = 0;
  while (total < n) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 20));
    const int got = gzread(f, out + total, chunk);
    if (got < 0) {
      int errnum = 0;
      fail_data_file(path, std::string("corrupt gzip data (") + gzerror(f, &errnum) + ")");
    }
    if (got == 0) break;
    total += static_cast<std::size_t>(got);
  }
  return total;
}

std::string read_whole_data_file(const std::string& path, std::size_t max_bytes) {
  GzFile file = open_data_file(path);
  std::string text;
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (;;) {
    const std::size_t before = text.size();
    text.resize(before + kChunk);
    const std::size_t got =
        read_some(file.get(), path, reinterpret_cast<std::uint8_t*>(text.data() + before), kChunk);
    text.resize(before + got);
    if (got == 0) break;
    if (text.size() > max_bytes) {
      fail_data_file(path, "larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return text;
}

}  // namespace mnist_dp
