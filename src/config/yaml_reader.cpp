// YAML -> Config through the key table, strictly: every unknown key, every
// key that does not apply, every duplicate and every bad value is a
// ConfigError naming the file and the dotted key.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config_internal.hpp"
#include "mnist_dp/config/config_keys.hpp"
#include "mnist_dp/core/input_file.hpp"

namespace mnist_dp {
namespace {

// Reads the keys of one YAML map, remembering which were used so that any
// other key can be reported as unknown.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string source, std::string path)
      : node_(node), source_(std::move(source)), path_(std::move(path)) {
    if (present(node_) && !node_.IsMap()) fail(path_, "must be a mapping");
  }

  // Absent and null values both mean "use the default".
  static bool present(const YAML::Node& n) { return n.IsDefined() && !n.IsNull(); }

  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(source_ + ": " + key + ": " + what);
  }
  std::string key_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  // The value under key, or an undefined node when absent or null.
  YAML::Node child(std::string_view key) {
    used_.emplace(key);
    if (!present(node_)) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node v = node_[std::string(key)];
    return present(v) ? v : YAML::Node(YAML::NodeType::Undefined);
  }
  std::string scalar(std::string_view key, const YAML::Node& v) const {
    if (!v.IsScalar()) fail(key_path(key), "must be a single value");
    return v.Scalar();
  }
  void finish() const {
    if (!present(node_)) return;
    for (const auto& kv : node_) {
      const std::string key = kv.first.Scalar();
      if (!used_.count(key)) fail(key_path(key), "unknown key");
    }
  }

 private:
  YAML::Node node_;
  std::string source_;
  std::string path_;
  std::set<std::string, std::less<>> used_;
};

template <typename Target>
void read_key(MapReader& r, std::string_view leaf, const KeySpec<Target>& key, Target& target);

// Text -> the field's type, checked against the key's range.
struct ValueReader {
  MapReader& r;
  std::string_view key;
  const YAML::Node& node;
  const Range& range;

  std::string path() const { return r.key_path(key); }
  std::string text() const { return r.scalar(key, node); }

  void operator()(std::string* out) const { *out = text(); }
  void operator()(std::size_t* out) const {
    const std::string s = text();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    if (ec != std::errc() || end != s.data() + s.size() || static_cast<double>(*out) < range.lo) {
      r.fail(path(), std::string("must be a ") + (range.lo >= 1 ? "positive" : "non-negative") +
                         " integer (got '" + s + "')");
    }
  }
  void operator()(double* out) const { *out = number(); }
  void operator()(float* out) const { *out = static_cast<float>(number()); }
  void operator()(bool* out) const {
    const std::string s = text();
    if (s != "true" && s != "false") r.fail(path(), "must be true or false (got '" + s + "')");
    *out = s == "true";
  }
  template <typename Enum>
  requires std::is_enum_v<Enum>
  void operator()(Enum* out) const {
    const std::string s = text();
    const std::optional<Enum> value = enum_from_name<Enum>(s);
    if (!value) r.fail(path(), unknown_name_message<Enum>(s));
    *out = *value;
  }
  void operator()(std::vector<LayerSpec>* out) const {
    if (!node.IsSequence()) r.fail(path(), "must be a list of layers");
    out->clear();
    for (std::size_t i = 0; i < node.size(); ++i) {
      MapReader item(node[i], r.source(), path() + "." + std::to_string(i));
      LayerSpec layer;
      for (const KeySpec<LayerSpec>& k : layer_keys()) read_key(item, k.name, k, layer);
      item.finish();
      out->push_back(layer);
    }
  }

  double number() const {
    const std::string s = text();
    double x = 0;
    try {
      std::size_t used = 0;
      x = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      r.fail(path(), "must be a number (got '" + s + "')");
    }
    const bool below = range.lo_open ? x <= range.lo : x < range.lo;
    const bool above = range.hi_open ? x >= range.hi : x > range.hi;
    if (below || above || x != x) {
      std::ostringstream text;
      text << "must be in " << (range.lo_open ? "(" : "[") << range.lo << ", " << range.hi
           << (range.hi_open ? ")" : "]") << " (got " << s << ")";
      r.fail(path(), text.str());
    }
    return x;
  }
};

// Reads one key of `target` from r (the map holding it, `leaf` its name there).
template <typename Target>
void read_key(MapReader& r, std::string_view leaf, const KeySpec<Target>& key, Target& target) {
  const std::string why_not = key.not_for ? key.not_for(target) : "";
  const YAML::Node value = r.child(leaf);
  if (!why_not.empty()) {
    if (value) r.fail(r.key_path(leaf), why_not);
    return;
  }
  if (value) {
    std::visit(ValueReader{r, leaf, value, key.range}, key.field(target));
  } else if (!key.required_for.empty()) {
    r.fail(r.key_path(leaf), "is required for " + std::string(key.required_for));
  }
  if (key.then) key.then(target);
}

Config read_config(const YAML::Node& root, const std::string& source) {
  Config config;
  // The maps around the current key, outermost first; a section's unknown
  // keys are reported when the walk leaves it.
  std::vector<MapReader> open;
  open.emplace_back(root, source, "");
  SectionWalk walk;
  auto close = [&] {
    open.back().finish();
    open.pop_back();
  };
  for (const KeySpec<Config>& key : config_keys()) {
    const std::size_t dot = key.name.rfind('.');
    walk.move_to(std::string(key.name.substr(0, dot)), close,
                 [&](const std::string& name, const std::string& path) {
                   YAML::Node node = open.back().child(name);
                   open.emplace_back(node, source, path);
                 });
    read_key(open.back(), key.name.substr(dot + 1), key, config);
  }
  walk.close_all(close);
  return config;
}

// YAML allows a key twice in a mapping and yaml-cpp keeps the first; a config
// with one is almost always a mistake, so it is refused with both lines.
void refuse_duplicate_keys(const YAML::Node& node, const std::string& source,
                           const std::string& path) {
  auto child_path = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (node.IsMap()) {
    std::map<std::string, int> first_line;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const int line = kv.first.Mark().line + 1;
      const auto [at, inserted] = first_line.emplace(key, line);
      if (!inserted) {
        throw ConfigError(source + ": " + child_path(key) + ": duplicate key (lines " +
                          std::to_string(at->second) + " and " + std::to_string(line) + ")");
      }
      refuse_duplicate_keys(kv.second, source, child_path(key));
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      refuse_duplicate_keys(node[i], source, child_path(std::to_string(i)));
  }
}

}  // namespace

Config parse_config(const std::string& yaml_text, const std::string& source,
                    const std::vector<std::string>& overrides) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source + ": not valid YAML: " + e.what());
  }
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw ConfigError(source + ": the top level must be a mapping");
  refuse_duplicate_keys(root, source, "");
  try {
    root = apply_overrides(root, overrides);
  } catch (const ConfigError& e) {
    throw ConfigError(source + ": " + e.what());
  }
  Config config = read_config(root, source);
  validate_config(config, source);
  return config;
}

Config load_config_file(const std::string& path, const std::vector<std::string>& overrides) {
  if (const std::string problem = input_file_problem(path); !problem.empty()) {
    throw ConfigError(path + ": cannot open config file (" + problem + ")");
  }
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, overrides);
}

}  // namespace mnist_dp
