// libFuzzer target: the IDX image and label readers (raw or gzip) on arbitrary
// bytes, written to a file in /dev/shm because the readers take paths. Any
// input must give data or a DataError.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "mnist_dp/data/idx_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = write_fuzz_input("idx", data, size);
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
