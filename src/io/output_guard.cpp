// Output path checks: aliasing with inputs, outputs and checkpoints, and
// writability, all before any work is done.
#include "mnist_dp/io/output_guard.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mnist_dp/io/atomic_file.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"

namespace mnist_dp {
namespace {

namespace fs = std::filesystem;

// The absolute path with every symlink that exists resolved.
std::string resolved(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::absolute(path, ec).lexically_normal().string() : p.string();
}

bool is_within(const std::string& path, const std::string& dir) {
  const fs::path rel = fs::path(path).lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

std::string parent_of(const std::string& path) {
  const fs::path p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

}  // namespace

bool is_checkpoint_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == kLatestName || name == kLockName || checkpoint_step(name) >= 0) return true;
  }
  return false;
}

void OutputGuard::add_input(const std::string& path) {
  if (!path.empty()) inputs_.push_back(resolved(path));
}

void OutputGuard::add_checkpoint_directory(const std::string& dir) {
  if (!dir.empty()) checkpoint_dirs_.push_back(resolved(dir));
}

void OutputGuard::check_output(const std::string& path, const std::string& flag) {
  if (path.empty()) return;
  const std::string target = resolved(path);
  auto refuse = [&](const std::string& why) {
    throw OutputRefused(flag + ": " + path + ": " + why);
  };
  std::error_code ec;
  const bool via_link = fs::absolute(path, ec).lexically_normal().string() != target;
  const std::string link_note = via_link ? " (it links to " + target + ")" : "";
  for (const std::string& input : inputs_) {
    if (target == input)
      refuse("is an input of this command" + link_note + "; refusing to replace it");
  }
  for (const auto& [other, other_flag] : outputs_) {
    if (target == other) refuse("is also the " + other_flag + " output" + link_note);
  }
  if (fs::is_directory(target, ec)) refuse("is a directory");
  outputs_.emplace_back(target, flag);
  if (overwrite_) return;
  const std::string hint = "; refusing to replace it (choose another path, or pass --overwrite)";
  for (const std::string& dir : checkpoint_dirs_) {
    if (is_within(target, dir))
      refuse("is inside the checkpoint directory " + dir + link_note + hint);
  }
  if (is_checkpoint_directory(parent_of(target))) {
    refuse("is inside the checkpoint directory " + parent_of(target) + link_note + hint);
  }
  if (is_sealed_checkpoint(target)) refuse("is a checkpoint" + link_note + hint);
}

std::string output_write_problem(const std::string& path) {
  const std::string dir = parent_of(path);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create its directory: " + ec.message();
  if (fs::is_directory(path, ec)) return "is a directory";
  const std::string probe =
      (fs::path(dir) / (".mnist_dp-probe-" + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot write in " + dir + ": " + std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return "";
}

void check_output_writable(const std::string& path, const std::string& flag) {
  if (path.empty()) return;
  const std::string problem = output_write_problem(path);
  if (!problem.empty()) throw IoError(flag + ": " + path + ": " + problem);
}

}  // namespace mnist_dp
