// libFuzzer target: the Keras .h5 reader behind `evaluate` and `predict` on
// arbitrary bytes, written to a file in /dev/shm because HDF5 opens paths.
// These are foreign files with no seal, so this fuzzes HDF5's own parser too;
// it calls the reader without its crash-containing child process.
#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/io/keras_model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = write_fuzz_input("keras", data, size);
  try {
    mnist_dp::read_keras_model_in_process(path);
  } catch (const mnist_dp::DataError&) {
  }
  return 0;
}
