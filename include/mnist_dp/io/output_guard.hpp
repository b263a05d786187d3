// Which paths a command may write. Every output path is resolved (symlinks
// followed) and refused when it would replace an input of the same command,
// another output of it, a checkpoint, or anything inside a checkpoint
// directory; checkpoints may be replaced only when the user said --overwrite.
// Inputs are never replaced.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

// Whether `dir` holds checkpoints or is a run's checkpoint directory: a
// latest.h5 entry, a ckpt-<step>.h5 file, or the run lock file.
bool is_checkpoint_directory(const std::string& dir);

class OutputGuard {
 public:
  explicit OutputGuard(bool overwrite) : overwrite_(overwrite) {}

  // A file this command reads.
  void add_input(const std::string& path);
  // A checkpoint directory this command writes (training's output.checkpoint_dir).
  void add_checkpoint_directory(const std::string& dir);
  // Checks `path`, given as `flag` (for example "--csv" or "output.metrics"),
  // then remembers it so that no later output can alias it. Throws OutputRefused.
  void check_output(const std::string& path, const std::string& flag);

 private:
  bool overwrite_;
  std::vector<std::string> inputs_;                           // canonical paths
  std::vector<std::string> checkpoint_dirs_;                  // canonical paths
  std::vector<std::pair<std::string, std::string>> outputs_;  // canonical path, flag
};

// Why `path` cannot be written, or "" if it can: its directory cannot be
// created (missing ones are created), it is a directory, or a probe file
// cannot be made beside it.
std::string output_write_problem(const std::string& path);

// Fails early, before any work, if `path` cannot be written (nothing to check
// when it is empty). Throws IoError "<flag>: <path>: <problem>".
void check_output_writable(const std::string& path, const std::string& flag);

}  // namespace mnist_dp
