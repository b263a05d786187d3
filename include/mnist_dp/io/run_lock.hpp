// One run per checkpoint directory: an advisory lock (flock) on the
// directory's lock file, held by rank 0 for the run's lifetime. The kernel
// drops the lock when the holder exits, however it exits, so a killed run
// never leaves a stale lock; the file's text (host and pid of the holder) is
// only there to name the holder in the error.
#pragma once

#include <string>

namespace mnist_dp {

class RunLock {
 public:
  // Creates the directory if needed and takes the lock. Throws IoError
  // "<dir>: output.checkpoint_dir is in use by another run (host H, pid P)".
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mnist_dp
