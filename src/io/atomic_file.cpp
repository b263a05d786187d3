// Atomic replacement of a file through "<path>.tmp", with the OS reason in
// every error.
#include "mnist_dp/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace mnist_dp {
namespace {

namespace fs = std::filesystem;

std::string parent_dir(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

// Owns a file descriptor; the destructor closes it on error paths.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now; returns the errno of a failed close (0 on success).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

void write_all(int fd, std::span<const std::byte> bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category());
    }
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

void fsync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const std::string& path, std::span<const std::byte> bytes,
                           const std::string& what) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](int err) {
    ::unlink(tmp.c_str());
    throw IoError(path + ": cannot write " + what + ": " + std::strerror(err));
  };
  std::error_code ignored;
  fs::create_directories(parent_dir(path), ignored);  // a failure shows in open() below
  ::unlink(tmp.c_str());  // a stale one from an interrupted run; O_EXCL below refuses links
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    const int err = errno;  // nothing was created: leave any file at tmp alone
    throw IoError(path + ": cannot write " + what + ": " + std::strerror(err));
  }
  try {
    write_all(fd.get(), bytes);
  } catch (const std::system_error& e) {
    fail(e.code().value());
  }
  if (::fsync(fd.get()) != 0) fail(errno);
  if (const int err = fd.close(); err != 0) fail(err);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail(errno);
  fsync_directory(parent_dir(path));
}

void write_file_atomically(const std::string& path, const std::string& text,
                           const std::string& what) {
  write_file_atomically(path, std::as_bytes(std::span(text.data(), text.size())), what);
}

}  // namespace mnist_dp
