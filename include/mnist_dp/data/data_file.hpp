// Opening and reading data files through zlib's gzread, which reads gzip and
// uncompressed files alike. Every failure is a DataError naming the file.
#pragma once

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

[[noreturn]] void fail_data_file(const std::string& path, const std::string& what);
// Opens a file for reading; a missing file or a directory is a DataError.
GzFile open_data_file(const std::string& path);
// Reads up to n bytes; returns how many were read. Corrupt gzip data is an error.
std::size_t read_some(gzFile_s* f, const std::string& path, std::uint8_t* out, std::size_t n);
// The whole (decompressed) file; more than max_bytes is a DataError.
std::string read_whole_data_file(const std::string& path, std::size_t max_bytes);

}  // namespace mnist_dp
