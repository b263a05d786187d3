// FNV-1a, 64-bit: the checksum of checkpoint contents and of sealed files.
// Not cryptographic; it detects corruption, not tampering.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mnist_dp {

struct Fnv1a64 {
  std::uint64_t value = 0xcbf29ce484222325ULL;
  void add(const void* data, std::size_t bytes) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < bytes; ++i) value = (value ^ b[i]) * 0x100000001b3ULL;
  }
};

}  // namespace mnist_dp
