// `--set dotted.key=value` overrides applied to the YAML tree before it is
// read, so an override is checked exactly like the same key in the file.
#include "config_internal.hpp"

namespace mnist_dp {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

bool parse_index(const std::string& s, std::size_t& out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoul(s);
  return true;
}

void apply_one(YAML::Node root, const std::string& assignment) {
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError("--set '" + assignment + "': expected key=value");
  }
  const std::string key = assignment.substr(0, eq);
  const std::vector<std::string> parts = split_path(key);
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(eq + 1));
  } catch (const YAML::Exception&) {
    throw ConfigError(key + ": --set value is not valid YAML");
  }
  YAML::Node node = root;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    if (part.empty()) throw ConfigError("--set '" + assignment + "': empty key segment");
    const bool last = i + 1 == parts.size();
    YAML::Node next;
    if (node.IsSequence()) {
      std::size_t index = 0;
      if (!parse_index(part, index) || index >= node.size()) {
        throw ConfigError(key + ": no list item '" + part + "' (the list has " +
                          std::to_string(node.size()) + " items)");
      }
      next.reset(node[index]);
    } else {
      if (!node.IsMap()) node = YAML::Node(YAML::NodeType::Map);
      if (!node[part] && !last) node[part] = YAML::Node(YAML::NodeType::Map);
      next.reset(node[part]);
    }
    if (last) {
      next = value;  // assigns through the handle into the tree
      return;
    }
    node.reset(next);
  }
}

}  // namespace

YAML::Node apply_overrides(YAML::Node root, const std::vector<std::string>& overrides) {
  for (const std::string& o : overrides) apply_one(root, o);
  return root;
}

}  // namespace mnist_dp
