// Config -> YAML through the key table: every key that applies, in table
// order, so the text reads back (parse_config) as the same Config.
// Sections nested two deep (optimizer.schedule) and layers are flow maps.
#include <yaml-cpp/yaml.h>

#include "config_internal.hpp"
#include "mnist_dp/config/config_keys.hpp"

namespace mnist_dp {
namespace {

template <typename Target>
bool applies(const KeySpec<Target>& key, const Target& target) {
  return !key.not_for || key.not_for(target).empty();
}

void write_value(YAML::Emitter& out, const FieldRef& field) {
  if (const auto* layers = std::get_if<std::vector<LayerSpec>*>(&field)) {
    out << YAML::BeginSeq;
    for (LayerSpec& layer : **layers) {
      out << YAML::Flow << YAML::BeginMap;
      for (const KeySpec<LayerSpec>& key : layer_keys()) {
        if (!applies(key, layer)) continue;
        out << YAML::Key << std::string(key.name) << YAML::Value;
        write_value(out, key.field(layer));
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    return;
  }
  out << field_text(field);
}

}  // namespace

std::string to_yaml(const Config& config) {
  Config c = config;  // the table hands out mutable field pointers
  YAML::Emitter out;
  SectionWalk walk;
  auto close = [&] { out << YAML::EndMap; };
  out << YAML::BeginMap;
  for (const KeySpec<Config>& key : config_keys()) {
    if (!applies(key, c)) continue;
    const std::size_t dot = key.name.rfind('.');
    walk.move_to(std::string(key.name.substr(0, dot)), close,
                 [&](const std::string& name, const std::string&) {
                   out << YAML::Key << name << YAML::Value;
                   if (walk.depth() > 2) out << YAML::Flow;  // root, section, this one
                   out << YAML::BeginMap;
                 });
    out << YAML::Key << std::string(key.name.substr(dot + 1)) << YAML::Value;
    write_value(out, key.field(c));
  }
  walk.close_all(close);
  return std::string(out.c_str()) + "\n";
}

}  // namespace mnist_dp
