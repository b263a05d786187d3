// The one way mnist_dp replaces a file: write "<path>.tmp" (opened without
// following a symlink), fsync it, rename it over <path>, fsync the directory.
// A reader sees the old file or the whole new one, never a torn one; a failed
// write removes its .tmp and leaves <path> as it was. A symlink at <path> is
// replaced by the new file, never written through.
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

// Writes `bytes` to `path` atomically, creating missing parent directories. `what` names the kind
// of file in the error: "<path>: cannot write <what>: <reason>". Throws IoError.
void write_file_atomically(const std::string& path, std::span<const std::byte> bytes,
                           const std::string& what);
void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& what);

// fsync of a directory, so that a rename or a new entry in it is durable.
void fsync_directory(const std::string& dir);

}  // namespace mnist_dp
