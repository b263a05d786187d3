// libFuzzer target: the checkpoint reader on arbitrary bytes in memory (the
// same path read_checkpoint takes after reading the file). Any input must
// give a Checkpoint or an error; the seal is checked before HDF5 parses.
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

#include "mnist_dp/io/checkpoint.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mnist_dp::read_checkpoint_image(std::span(reinterpret_cast<const std::byte*>(data), size));
  } catch (const std::runtime_error&) {
  }
  return 0;
}
