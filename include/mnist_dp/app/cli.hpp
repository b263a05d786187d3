// Command-line options of the mnist_dp executable (Boost.Program_options).
#pragma once

#include <boost/program_options/parsers.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "mnist_dp/core/errors.hpp"

namespace mnist_dp {

struct CliOptions {
  std::string config;             // --config FILE
  std::vector<std::string> sets;  // --set key=value, repeatable
  std::string resume;             // --resume CHECKPOINT|DIR|auto (never empty when given)
  bool overwrite = false;         // --overwrite: protected outputs may be replaced
  bool print_config = false;
  bool profile = false;
  std::string profile_json;  // --profile-json FILE
  bool help = false;
  bool version = false;
  std::string help_text;
};

CliOptions parse_cli(int argc, char** argv);
// UsageError for any word that is neither an option nor a declared positional
// argument ("training.epochs=2" without --set is a mistake, never ignored).
void refuse_stray_arguments(const boost::program_options::parsed_options& parsed);

}  // namespace mnist_dp
