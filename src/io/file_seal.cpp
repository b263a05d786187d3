// Writing and checking the seal: one text header, NUL-padded to kSealBytes:
//   mnist_dp-seal 1
//   bytes <length of the rest>
//   fnv1a64 <16 hex digits>
#include "mnist_dp/io/file_seal.hpp"

#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "fnv1a.hpp"

namespace mnist_dp {
namespace {

constexpr char kMagic[] = "mnist_dp-seal 1\n";

std::array<char, kSealBytes> seal_for(std::span<const std::byte> rest) {
  Fnv1a64 hash;
  hash.add(rest.data(), rest.size());
  std::array<char, kSealBytes> header{};
  std::snprintf(header.data(), header.size(), "%sbytes %zu\nfnv1a64 %016" PRIx64 "\n", kMagic,
                rest.size(), hash.value);
  return header;
}

}  // namespace

std::vector<std::byte> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error(std::string("cannot open for reading: ") + std::strerror(errno));
  const std::streamoff size = in.tellg();
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw std::runtime_error("read failed");
  return bytes;
}

void seal_image(std::span<std::byte> image) {
  if (image.size() < kSealBytes) throw std::runtime_error("too short to seal");
  const auto header = seal_for(image.subspan(kSealBytes));
  std::memcpy(image.data(), header.data(), header.size());
}

bool looks_sealed(std::span<const std::byte> image) {
  return image.size() >= kSealBytes && std::memcmp(image.data(), kMagic, sizeof kMagic - 1) == 0;
}

void verify_seal(std::span<const std::byte> image) {
  if (!looks_sealed(image)) {
    throw std::runtime_error(
        "not a sealed mnist_dp checkpoint: no seal in its first 512 bytes (an "
        "interrupted write, another kind of file, or a checkpoint from before format 4)");
  }
  const auto rest = image.subspan(kSealBytes);
  std::size_t sealed_bytes = 0;
  const std::string header(reinterpret_cast<const char*>(image.data()), kSealBytes);
  if (std::sscanf(header.c_str() + sizeof kMagic - 1, "bytes %zu", &sealed_bytes) != 1) {
    throw std::runtime_error("corrupt seal");
  }
  if (sealed_bytes != rest.size()) {
    throw std::runtime_error("incomplete or extended file: the seal covers " +
                             std::to_string(sealed_bytes) + " bytes after it, the file has " +
                             std::to_string(rest.size()));
  }
  const auto expected = seal_for(rest);
  if (std::memcmp(expected.data(), image.data(), kSealBytes) != 0) {
    throw std::runtime_error("checksum mismatch (the file is corrupt)");
  }
}

}  // namespace mnist_dp
