// Shared by the config reader's files; not part of the config interface.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "mnist_dp/config/config.hpp"

namespace mnist_dp {

// Applies `--set dotted.key=value` assignments to the YAML tree, so an
// override is then checked exactly like the same key written in the file.
YAML::Node apply_overrides(YAML::Node root, const std::vector<std::string>& overrides);

// The nesting of the table's dotted key names. Keys of one section are
// adjacent in the table, so walking it in order opens each section once:
// moving to a key's section closes the open sections it is not inside
// (innermost first), then opens the ones it is in (outermost first). The
// root "" is open from the start and closed by close_all.
class SectionWalk {
 public:
  // close(): the innermost open section ends. open(name, path): section
  // `path` (last part `name`) begins inside the innermost open one.
  template <typename Close, typename Open>
  void move_to(const std::string& section, Close close, Open open) {
    while (!inside(section, open_.back())) {
      close();
      open_.pop_back();
    }
    while (open_.back() != section) {
      const std::size_t begin = open_.back().empty() ? 0 : open_.back().size() + 1;
      open_.push_back(section.substr(0, section.find('.', begin)));
      open(open_.back().substr(begin), open_.back());
    }
  }
  template <typename Close>
  void close_all(Close close) {
    for (; !open_.empty(); open_.pop_back()) close();
  }
  // Open sections, the root included.
  std::size_t depth() const { return open_.size(); }

 private:
  static bool inside(const std::string& section, const std::string& outer) {
    return outer.empty() || section == outer || section.starts_with(outer + ".");
  }
  std::vector<std::string> open_{""};
};

// The checks that involve more than one key: the layer list ends in a dense
// softmax layer, softmax only there, and warmup shorter than training.
void validate_config(const Config& config, const std::string& source);

}  // namespace mnist_dp
