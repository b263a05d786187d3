// libFuzzer target: the Keras .h5 reader behind `evaluate` and `predict` on
// arbitrary bytes, written to a file in /dev/shm because HDF5 opens paths.
// These are foreign files with no seal, so this fuzzes HDF5's own parser too;
// it calls the reader without its crash-containing child process.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/io/model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/mnist_dp_fuzz_keras_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    mnist_dp::read_keras_model_in_process(path);
  } catch (const mnist_dp::DataError&) {
  }
  return 0;
}
