// libFuzzer target: the HDF5 checkpoint reader on arbitrary bytes, written to
// a file in /dev/shm because the reader takes a path. Any input must give a
// Checkpoint or a DataError.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "mnist_dp/data/idx_reader.hpp"
#include "mnist_dp/io/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/dev/shm/mnist_dp_fuzz_ckpt_" + std::to_string(getpid());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    mnist_dp::read_checkpoint(path);
  } catch (const mnist_dp::DataError&) {
  }
  return 0;
}
