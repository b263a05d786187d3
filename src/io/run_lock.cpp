// flock-based lock of a checkpoint directory.
#include "mnist_dp/io/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"

namespace mnist_dp {
namespace {

std::string holder_text(int fd) {
  char text[256] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return holder.empty() ? "holder unknown" : holder;
}

}  // namespace

RunLock::RunLock(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = (std::filesystem::path(dir) / kLockName).string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw IoError(dir + ": output.checkpoint_dir: cannot create the lock file " + path + ": " +
                  std::strerror(errno));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = holder_text(fd_);
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw IoError(dir + ": output.checkpoint_dir is in use by another run (" + holder +
                    "); wait for it to end or choose another directory");
    }
    throw IoError(dir + ": output.checkpoint_dir: cannot lock " + path + ": " + std::strerror(err));
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string text =
      "host " + std::string(host) + ", pid " + std::to_string(::getpid()) + "\n";
  // Best effort: without the text the lock still holds and its holder reads "unknown".
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, text.data(), text.size(), 0);
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace mnist_dp
