// For fuzz targets whose reader takes a path: writes the input to this
// process's own file in /dev/shm (memory) and returns the path.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

inline std::string write_fuzz_input(const char* target, const std::uint8_t* data,
                                    std::size_t size) {
  static const std::string path =
      std::string("/dev/shm/mnist_dp_fuzz_") + target + "_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}
