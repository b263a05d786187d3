// Command-line options of the mnist_dp executable (Boost.Program_options).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mnist_dp {

// A bad command line; the message names the flag.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CliOptions {
  std::string config;             // --config FILE
  std::vector<std::string> sets;  // --set key=value, repeatable
  std::string resume;             // --resume CHECKPOINT
  bool print_config = false;
  bool profile = false;
  std::string profile_json;  // --profile-json FILE
  bool help = false;
  std::string help_text;
};

CliOptions parse_cli(int argc, char** argv);

}  // namespace mnist_dp
