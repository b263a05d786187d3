// A whole-file checksum kept in the file's first kSealBytes, HDF5's "user
// block", which HDF5 and h5py skip. It is written once the file is complete and
// verified on the raw bytes before HDF5 parses anything, so a corrupt or torn
// checkpoint never reaches HDF5's parser (HDF5 1.10 crashes on some corrupt
// files; see fuzz/crashes/).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace mnist_dp {

inline constexpr std::size_t kSealBytes = 512;

// Fills the first kSealBytes of a whole file's image (reserved and zero) with
// the checksum of the bytes after them. Throws std::runtime_error if shorter.
void seal_image(std::span<std::byte> image);

// Whether `image` starts like a sealed file (it may still be corrupt).
bool looks_sealed(std::span<const std::byte> image);

// Throws std::runtime_error saying what is wrong unless `image` carries a
// seal that matches the bytes after it.
void verify_seal(std::span<const std::byte> image);

// The whole file; std::runtime_error if it cannot be read.
std::vector<std::byte> read_file_bytes(const std::string& path);

}  // namespace mnist_dp
