// A directory of checkpoints: ckpt-<global step>.h5 files, the newest K kept,
// and latest.h5, a symlink repointed only after a checkpoint is complete on
// disk, so it always names a whole, verified-on-load file.
#pragma once

#include <cstddef>
#include <string>

#include "mnist_dp/io/checkpoint.hpp"

namespace mnist_dp {

class CheckpointStore {
 public:
  CheckpointStore(std::string dir, std::size_t keep);

  // Creates the directory; throws std::runtime_error naming it when it cannot be written.
  void check_writable() const;
  // Writes the checkpoint, repoints latest.h5 at it, then deletes older
  // checkpoints beyond the newest `keep`. Returns the new file's path.
  std::string save(const Checkpoint& checkpoint) const;

  static std::string file_name(std::uint64_t global_step);

 private:
  std::string dir_;
  std::size_t keep_;
};

// What --resume and --model accept: a checkpoint file, or a checkpoint
// directory meaning its latest.h5.
std::string resolve_checkpoint_path(const std::string& path);

}  // namespace mnist_dp
