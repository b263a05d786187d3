// libFuzzer target: the IDX image and label readers (raw or gzip) on arbitrary
// bytes, written to a file in /dev/shm because the readers take paths. Any
// input must give data or a DataError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "mnist_dp/data/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/mnist_dp_fuzz_idx_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    mnist_dp::read_idx_images(path);
  } catch (const mnist_dp::DataError&) {
  }
  try {
    mnist_dp::read_idx_labels(path, 10);
  } catch (const mnist_dp::DataError&) {
  }
  return 0;
}
