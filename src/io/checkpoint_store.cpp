// Checkpoint rotation and the latest.h5 pointer; the HDF5 writing itself is in
// checkpoint.cpp.
#include "mnist_dp/io/checkpoint_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "mnist_dp/io/atomic_file.hpp"

namespace mnist_dp {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLatest = "latest.h5";

// The global step in "ckpt-<step>.h5", or -1 for any other name.
long long step_of(const std::string& name) {
  if (name.size() < 9 || name.rfind("ckpt-", 0) != 0 || !name.ends_with(".h5")) return -1;
  const std::string digits = name.substr(5, name.size() - 8);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoll(digits);
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, std::size_t keep)
    : dir_(std::move(dir)), keep_(std::max<std::size_t>(keep, 1)) {}

std::string CheckpointStore::file_name(std::uint64_t global_step) {
  char name[40];
  std::snprintf(name, sizeof name, "ckpt-%08llu.h5", static_cast<unsigned long long>(global_step));
  return name;
}

void CheckpointStore::check_writable() const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const std::string probe = (fs::path(dir_) / ".probe").string();
  std::ofstream out(probe);
  if (!out) {
    throw std::runtime_error(dir_ +
                             ": output.checkpoint_dir: cannot create or write this directory");
  }
  out.close();
  fs::remove(probe, ec);
}

std::string CheckpointStore::save(const Checkpoint& checkpoint) const {
  const std::uint64_t step = checkpoint.progress.global_step;
  const std::string name = file_name(step);
  const std::string path = (fs::path(dir_) / name).string();
  write_checkpoint(path, checkpoint);  // tmp + fsync + rename + directory fsync

  const fs::path latest = fs::path(dir_) / kLatest;
  const fs::path staged = fs::path(dir_) / (std::string(kLatest) + ".tmp");
  std::error_code ec;
  fs::remove(staged, ec);
  fs::create_symlink(name, staged, ec);
  if (ec) throw std::runtime_error(staged.string() + ": cannot create symlink: " + ec.message());
  fs::rename(staged, latest, ec);
  if (ec) throw std::runtime_error(latest.string() + ": cannot update: " + ec.message());
  fsync_directory(dir_);

  // Older checkpoints beyond the newest `keep` go; files from later steps (a
  // run resumed from an older checkpoint) are left alone.
  std::vector<std::pair<long long, fs::path>> older;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const long long s = step_of(entry.path().filename().string());
    if (s >= 0 && s < static_cast<long long>(step)) older.emplace_back(s, entry.path());
  }
  std::sort(older.begin(), older.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = keep_ - 1; i < older.size(); ++i) fs::remove(older[i].second, ec);
  return path;
}

std::string resolve_checkpoint_path(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return (fs::path(path) / kLatest).string();
  return path;
}

}  // namespace mnist_dp
