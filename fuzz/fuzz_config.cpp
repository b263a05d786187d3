// libFuzzer target: the YAML config loader on arbitrary text. Any input must
// give a Config or a ConfigError; anything else (a crash, another exception,
// a sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mnist_dp/config/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mnist_dp::parse_config(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml");
  } catch (const mnist_dp::ConfigError&) {
  }
  return 0;
}
