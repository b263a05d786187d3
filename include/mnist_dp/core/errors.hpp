// Every exception mnist_dp throws on purpose, and the process exit codes they
// end in. Each message is one line that names the file, key or flag at fault.
#pragma once

#include <stdexcept>

namespace mnist_dp {

// Process exit codes, documented in the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeError = 1,  // I/O failure, unexpected error
  kExitUsage = 2,         // bad CLI flag, config key or value, refused output path
  kExitDataError = 3,     // missing or corrupt data or checkpoint file
  kExitDiverged = 4,      // non-finite loss, gradient or parameters
  kExitStopped = 5,       // stopped by SIGTERM/SIGINT after writing a checkpoint
  kExitStalled = 6,       // a rank did not reach a collective in time (watchdog)
};

// A bad command line; the message names the flag.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A bad config file, key or value; the message names the file and the key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A missing, unreadable or malformed data, model or checkpoint file; the
// message names it.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An operating-system I/O failure; the message names the file and gives the
// OS reason ("No space left on device").
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A path that must not be written; the message names the flag or key and why.
class OutputRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown on every rank once the ranks agreed that the run must stop. The
// message has already been printed by one rank.
class RunFailure : public std::runtime_error {
 public:
  explicit RunFailure(int exit_code) : std::runtime_error("run failed"), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// What a failed allocation reports; the memory estimate refuses the known
// cases before training, so this is the last line of defence.
inline constexpr const char* kOutOfMemoryMessage =
    "out of memory: an allocation failed (use a smaller model or batch, or fewer ranks per node)";

}  // namespace mnist_dp
