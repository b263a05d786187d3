// Checkpoint rotation, the latest.h5 pointer and the choice of what to resume
// from; the HDF5 writing itself is in checkpoint.cpp.
#include "mnist_dp/io/checkpoint_store.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/output_guard.hpp"

namespace mnist_dp {
namespace {

namespace fs = std::filesystem;

// The checkpoint files of `dir` by step, newest first.
std::vector<std::pair<long long, fs::path>> checkpoint_files(const std::string& dir) {
  std::vector<std::pair<long long, fs::path>> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const long long step = checkpoint_step(entry.path().filename().string());
    if (step >= 0) files.emplace_back(step, entry.path());
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  return files;
}

// Why latest.h5 cannot be used, or "" if it loads (then `out` holds it).
std::string latest_problem(const fs::path& latest, ResumeChoice& out) {
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(latest, ec);
  if (!fs::exists(link)) return "latest.h5 is missing";
  if (fs::is_symlink(link) && !fs::exists(latest, ec)) {
    return "latest.h5 is dangling (it points to " + fs::read_symlink(latest, ec).string() +
           ", which does not exist)";
  }
  try {
    out.checkpoint = read_checkpoint(latest.string());
    out.path = latest.string();
    return "";
  } catch (const DataError& e) {
    return std::string("latest.h5 cannot be used (") + e.what() + ")";
  }
}

}  // namespace

long long checkpoint_step(const std::string& name) {
  if (name.size() < 9 || name.rfind("ckpt-", 0) != 0 || !name.ends_with(".h5")) return -1;
  const std::string digits = name.substr(5, name.size() - 8);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

CheckpointStore::CheckpointStore(std::string dir, std::size_t keep, bool replace_existing)
    : dir_(std::move(dir)),
      keep_(std::max<std::size_t>(keep, 1)),
      replace_existing_(replace_existing) {}

std::string CheckpointStore::file_name(std::uint64_t global_step) {
  char name[40];
  std::snprintf(name, sizeof name, "ckpt-%08llu.h5", static_cast<unsigned long long>(global_step));
  return name;
}

void CheckpointStore::check_writable() const {
  const std::string problem = output_write_problem((fs::path(dir_) / kLatestName).string());
  if (!problem.empty()) {
    throw IoError(dir_ + ": output.checkpoint_dir: cannot create or write this directory (" +
                  problem + ")");
  }
}

void CheckpointStore::check_space(std::size_t stored_floats) const {
  // The floats, plus room for the attributes, config text and HDF5 structure.
  const double bytes = static_cast<double>(stored_floats) * sizeof(float) + 256.0 * 1024;
  struct statvfs fs_info {};
  if (::statvfs(dir_.c_str(), &fs_info) != 0) return;  // unknown: the write will tell
  const double free_bytes =
      static_cast<double>(fs_info.f_bavail) * static_cast<double>(fs_info.f_frsize);
  if (free_bytes >= bytes) return;
  char text[160];
  std::snprintf(text, sizeof text,
                "a checkpoint needs about %.1f MiB, the file system has %.1f MiB free",
                bytes / 1048576.0, free_bytes / 1048576.0);
  throw IoError(dir_ + ": output.checkpoint_dir: " + text);
}

std::string CheckpointStore::save(const Checkpoint& checkpoint) {
  const std::uint64_t step = checkpoint.progress.global_step;
  const std::string name = file_name(step);
  const std::string path = (fs::path(dir_) / name).string();
  write_checkpoint(path, checkpoint);  // tmp + fsync + rename + directory fsync

  const fs::path latest = fs::path(dir_) / kLatestName;
  const fs::path staged = fs::path(dir_) / (std::string(kLatestName) + ".tmp");
  std::error_code ec;
  fs::remove(staged, ec);
  fs::create_symlink(name, staged, ec);
  if (ec) throw IoError(staged.string() + ": cannot create symlink: " + ec.message());
  fs::rename(staged, latest, ec);
  if (ec) throw IoError(latest.string() + ": cannot update: " + ec.message());
  fsync_directory(dir_);

  // Older checkpoints beyond the newest `keep` go; files from later steps (a
  // run resumed from an older checkpoint) are left alone, unless this run
  // replaces what the directory held before it.
  std::size_t kept = 1;
  for (const auto& [s, file] : checkpoint_files(dir_)) {
    if (file.filename() == name) continue;
    const bool older = s < static_cast<long long>(step);
    if (replace_existing_ || (older && ++kept > keep_)) fs::remove(file, ec);
  }
  replace_existing_ = false;  // from now on every other file is this run's own
  return path;
}

std::string newest_checkpoint_file(const std::string& dir) {
  const auto files = checkpoint_files(dir);
  return files.empty() ? "" : files.front().second.string();
}

ResumeChoice choose_resume_checkpoint(const std::string& dir) {
  ResumeChoice choice;
  const fs::path latest = fs::path(dir) / kLatestName;
  const std::string problem = latest_problem(latest, choice);
  if (problem.empty()) return choice;
  const auto files = checkpoint_files(dir);
  std::error_code ec;
  if (files.empty() && !fs::exists(fs::symlink_status(latest, ec))) {
    choice.remark = dir + " holds no checkpoint; starting fresh";
    return choice;
  }
  std::string skipped;  // "; <file>: <why>" for each checkpoint that did not load
  for (const auto& [step, file] : files) {
    try {
      choice.checkpoint = read_checkpoint(file.string());
      choice.path = file.string();
      choice.remark = problem + skipped + "; using the newest checkpoint that loads";
      return choice;
    } catch (const DataError& e) {
      skipped += std::string("; ") + e.what();
    }
  }
  throw DataError(dir + ": no checkpoint there can be resumed: " + problem + skipped);
}

std::string resolve_checkpoint_path(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return (fs::path(path) / kLatestName).string();
  return path;
}

}  // namespace mnist_dp
