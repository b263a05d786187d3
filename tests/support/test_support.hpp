// Helpers shared by the test suites: temporary directories, small files,
// and running a command with a time limit while capturing its output.
#pragma once

#include <functional>
#include <string>

namespace mnist_dp::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& bytes);
std::string read_file(const std::string& path);

struct CommandResult {
  int exit_code = -1;  // 124: killed by the time limit
  std::string output;  // stdout and stderr together
};

// The message of the E that f throws, or "no error".
template <typename E>
std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "no error";
}

// Runs `command` through `timeout` and the shell, stderr merged into stdout.
CommandResult run_command(const std::string& command, int timeout_seconds);

}  // namespace mnist_dp::testing
