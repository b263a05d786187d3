// A directory of checkpoints: ckpt-<global step>.h5 files, the newest K kept,
// and latest.h5, a symlink repointed only after a checkpoint is complete on
// disk, so it always names a whole, verified-on-load file. Choosing what to
// resume from never guesses silently: every choice comes with a sentence.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "mnist_dp/io/checkpoint.hpp"

namespace mnist_dp {

inline constexpr const char* kLatestName = "latest.h5";
inline constexpr const char* kLockName = ".mnist_dp.lock";

// The global step in "ckpt-<step>.h5", or -1 for any other name.
long long checkpoint_step(const std::string& file_name);

class CheckpointStore {
 public:
  // `replace_existing` (a fresh run with --overwrite): the first save removes
  // every checkpoint this run did not write; until then nothing is removed.
  CheckpointStore(std::string dir, std::size_t keep, bool replace_existing);

  // Creates the directory; throws IoError naming it when it cannot be written.
  void check_writable() const;
  // Throws IoError unless the directory's file system has room for one
  // checkpoint storing `stored_floats` values (parameters and optimizer slots).
  void check_space(std::size_t stored_floats) const;
  // Writes the checkpoint, repoints latest.h5 at it, then deletes older
  // checkpoints beyond the newest `keep`. Returns the new file's path.
  std::string save(const Checkpoint& checkpoint);

  static std::string file_name(std::uint64_t global_step);

 private:
  std::string dir_;
  std::size_t keep_;
  bool replace_existing_;
};

// The newest checkpoint file in `dir` ("" if it holds none).
std::string newest_checkpoint_file(const std::string& dir);

// What a run resumes from.
struct ResumeChoice {
  std::string path;  // empty: start fresh
  std::optional<Checkpoint> checkpoint;
  // What the user must be told besides the path: why latest.h5 was passed
  // over and which files did not load, or that there was nothing to resume.
  std::string remark;
};

// The newest valid checkpoint of `dir`: latest.h5 when it loads, else the
// ckpt-<step>.h5 with the highest step that loads (the remark says why latest.h5
// was passed over). A directory with no checkpoint at all gives an empty path
// and a remark saying so; one whose checkpoints all fail to load is a DataError
// listing why.
ResumeChoice choose_resume_checkpoint(const std::string& dir);

// What --model and export's --checkpoint accept: a checkpoint file, or a
// checkpoint directory meaning its latest.h5.
std::string resolve_checkpoint_path(const std::string& path);

}  // namespace mnist_dp
