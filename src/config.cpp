// YAML -> Config with strict checking: every unknown key and every bad value
// is a ConfigError naming the file and the dotted key. Also Config -> YAML.
#include "mnist_dp/config.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "mnist_dp/io/input_file.hpp"

namespace mnist_dp {

YAML::Node apply_overrides(YAML::Node root, const std::vector<std::string>& overrides);

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

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(source_ + ": " + key + ": " + what);
  }
  std::string key_path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }
  // The value under key, or an undefined node when absent or null.
  YAML::Node child(const std::string& key) {
    used_.insert(key);
    if (!present(node_)) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node v = node_[key];
    return present(v) ? v : YAML::Node(YAML::NodeType::Undefined);
  }
  std::string scalar(const std::string& key, const YAML::Node& v) const {
    if (!v.IsScalar()) fail(key_path(key), "must be a single value");
    return v.Scalar();
  }

  void text(const std::string& key, std::string& out) {
    if (const YAML::Node v = child(key)) out = scalar(key, v);
  }
  void count(const std::string& key, std::size_t& out, bool allow_zero) {
    const YAML::Node v = child(key);
    if (!v) return;
    const std::string s = scalar(key, v);
    long long n = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || n < (allow_zero ? 0 : 1)) {
      fail(key_path(key), std::string("must be a ") + (allow_zero ? "non-negative" : "positive") +
                              " integer (got '" + s + "')");
    }
    out = static_cast<std::size_t>(n);
  }
  void seed(const std::string& key, std::uint64_t& out) {
    const YAML::Node v = child(key);
    if (!v) return;
    const std::string s = scalar(key, v);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || end != s.data() + s.size()) {
      fail(key_path(key), "must be a non-negative integer (got '" + s + "')");
    }
  }
  // A number in [lo, hi] (or [lo, hi) / (lo, hi] as flagged).
  template <typename T>
  void number(const std::string& key, T& out, double lo, double hi, bool lo_open, bool hi_open) {
    const YAML::Node v = child(key);
    if (!v) return;
    const std::string s = scalar(key, v);
    double x = 0;
    try {
      std::size_t used = 0;
      x = std::stod(s, &used);
      if (used != s.size()) throw std::invalid_argument(s);
    } catch (const std::exception&) {
      fail(key_path(key), "must be a number (got '" + s + "')");
    }
    const bool below = lo_open ? x <= lo : x < lo;
    const bool above = hi_open ? x >= hi : x > hi;
    if (below || above || x != x) {
      std::ostringstream range;
      range << "must be in " << (lo_open ? "(" : "[") << lo << ", " << hi << (hi_open ? ")" : "]")
            << " (got " << s << ")";
      fail(key_path(key), range.str());
    }
    out = static_cast<T>(x);
  }
  void flag(const std::string& key, bool& out) {
    const YAML::Node v = child(key);
    if (!v) return;
    const std::string s = scalar(key, v);
    if (s == "true")
      out = true;
    else if (s == "false")
      out = false;
    else
      fail(key_path(key), "must be true or false (got '" + s + "')");
  }
  // A key that must not be given in this context (`why`: "does not apply to
  // optimizer 'sgd'"). Marks it used.
  void reject(const std::string& key, const std::string& why) {
    if (child(key)) fail(key_path(key), why);
  }
  void finish() const {
    if (!present(node_)) return;
    for (const auto& kv : node_) {
      const std::string key = kv.first.Scalar();
      if (!used_.count(key)) fail(key_path(key), "unknown key");
    }
  }

 private:
  const YAML::Node node_;
  std::string source_;
  std::string path_;
  std::set<std::string> used_;
};

constexpr double kInf = 1e300;

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

LayerConfig parse_layer(const YAML::Node& node, const std::string& source,
                        const std::string& path) {
  MapReader r(node, source, path);
  LayerConfig layer;
  std::string type;
  r.text("type", type);
  auto activation = [&] {
    std::string name = "linear";
    r.text("activation", name);
    if (!parse_activation(name, layer.activation)) {
      r.fail(r.key_path("activation"),
             "unknown activation '" + name + "' (expected linear, relu, sigmoid, tanh or softmax)");
    }
  };
  if (type == "dense") {
    layer.type = LayerType::kDense;
    r.count("units", layer.units, false);
    if (layer.units == 0) r.fail(r.key_path("units"), "is required for a dense layer");
    activation();
    r.number("kernel_l2", layer.kernel_l2, 0, kInf, false, false);
    r.number("bias_l2", layer.bias_l2, 0, kInf, false, false);
  } else if (type == "dropout") {
    layer.type = LayerType::kDropout;
    layer.rate = -1;
    r.number("rate", layer.rate, 0.0, 1.0, false, true);
    if (layer.rate < 0) r.fail(r.key_path("rate"), "is required for a dropout layer");
  } else if (type == "activation") {
    layer.type = LayerType::kActivation;
    activation();
  } else {
    r.fail(r.key_path("type"),
           "unknown layer type '" + type + "' (expected dense, dropout or activation)");
  }
  r.finish();
  return layer;
}

void validate_model(const ModelConfig& model, const std::string& source) {
  const auto& layers = model.layers;
  if (layers.empty()) throw ConfigError(source + ": model.layers: must list at least one layer");
  std::size_t output = layers.size() - 1;
  if (layers.back().type == LayerType::kActivation && output > 0) --output;  // Dense + Activation
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const bool softmax =
        layers[i].type != LayerType::kDropout && layers[i].activation == Activation::kSoftmax;
    if (softmax && i < output) {
      throw ConfigError(source + ": model.layers." + std::to_string(i) +
                        ".activation: softmax is only allowed on the output layer");
    }
  }
  const LayerConfig& last = layers[output];
  const bool ends_in_softmax =
      last.type == LayerType::kDense && (last.activation == Activation::kSoftmax ||
                                         (layers.back().type == LayerType::kActivation &&
                                          layers.back().activation == Activation::kSoftmax));
  if (!ends_in_softmax) {
    throw ConfigError(source +
                      ": model.layers: the last layer must be a dense layer with softmax "
                      "activation (the loss is categorical cross-entropy)");
  }
}

void parse_schedule(const YAML::Node& node, const std::string& source, ScheduleConfig& s) {
  MapReader r(node, source, "optimizer.schedule");
  r.text("type", s.type);
  if (s.type != "constant" && s.type != "step" && s.type != "cosine") {
    r.fail("optimizer.schedule.type",
           "unknown schedule '" + s.type + "' (expected constant, step or cosine)");
  }
  r.number("warmup_epochs", s.warmup_epochs, 0, kInf, false, false);
  const std::string not_for = "does not apply to schedule '" + s.type + "'";
  if (s.type == "step") {
    r.number("drop_every_epochs", s.drop_every_epochs, 0, kInf, true, false);
    if (s.drop_every_epochs == 0) {
      r.fail("optimizer.schedule.drop_every_epochs", "is required for a step schedule");
    }
    r.number("drop_factor", s.drop_factor, 0, 1, true, false);
  } else {
    r.reject("drop_every_epochs", not_for);
    r.reject("drop_factor", not_for);
  }
  if (s.type == "cosine") {
    r.number("final_learning_rate", s.final_learning_rate, 0, kInf, false, false);
  } else {
    r.reject("final_learning_rate", not_for);
  }
  r.finish();
}

Config parse_root(const YAML::Node& root, const std::string& source) {
  Config c;
  MapReader top(root, source, "");
  {
    MapReader r(top.child("model"), source, "model");
    const YAML::Node layers = r.child("layers");
    if (layers && !layers.IsSequence()) r.fail("model.layers", "must be a list of layers");
    for (std::size_t i = 0; layers && i < layers.size(); ++i) {
      c.model.layers.push_back(parse_layer(layers[i], source, "model.layers." + std::to_string(i)));
    }
    std::string loss = "categorical_crossentropy";
    r.text("loss", loss);
    if (loss != "categorical_crossentropy" && loss != "sparse_categorical_crossentropy") {
      r.fail("model.loss", "unknown loss '" + loss + "' (expected categorical_crossentropy)");
    }
    r.finish();
    validate_model(c.model, source);
  }
  {
    MapReader r(top.child("optimizer"), source, "optimizer");
    OptimizerConfig& o = c.optimizer;
    r.text("name", o.name);
    if (o.name != "adam" && o.name != "sgd" && o.name != "rmsprop") {
      r.fail("optimizer.name",
             "unknown optimizer '" + o.name + "' (expected adam, sgd or rmsprop)");
    }
    if (o.name == "rmsprop") o.learning_rate = 1e-3;
    if (o.name == "sgd") o.learning_rate = 1e-2;
    r.number("learning_rate", o.learning_rate, 0, kInf, true, false);
    const std::string not_for = "does not apply to optimizer '" + o.name + "'";
    const bool adam = o.name == "adam", rmsprop = o.name == "rmsprop", sgd = o.name == "sgd";
    adam ? r.number("beta_1", o.beta_1, 0, 1, false, true) : r.reject("beta_1", not_for);
    adam ? r.number("beta_2", o.beta_2, 0, 1, false, true) : r.reject("beta_2", not_for);
    !sgd ? r.number("epsilon", o.epsilon, 0, kInf, true, false) : r.reject("epsilon", not_for);
    rmsprop ? r.number("rho", o.rho, 0, 1, false, true) : r.reject("rho", not_for);
    sgd ? r.number("momentum", o.momentum, 0, 1, false, true) : r.reject("momentum", not_for);
    sgd ? r.flag("nesterov", o.nesterov) : r.reject("nesterov", not_for);
    r.count("base_batch_size", o.base_batch_size, true);
    parse_schedule(r.child("schedule"), source, o.schedule);
    r.finish();
  }
  {
    MapReader r(top.child("data"), source, "data");
    DataConfig& d = c.data;
    std::string dataset = d.dataset;
    r.text("dataset", dataset);
    try {
      d = dataset_defaults(dataset);
    } catch (const ConfigError& e) {
      r.fail("data.dataset", e.what());
    }
    r.text("dir", d.dir);
    r.count("train_split", d.train_split, d.dataset != "digits8x8");
    if (d.dataset != "digits8x8" && d.train_split != 0) {
      r.fail("data.train_split",
             "only applies to digits8x8 (" + d.dataset + " has its own test set)");
    }
    r.count("train_limit", d.train_limit, true);
    r.count("test_limit", d.test_limit, true);
    r.finish();
  }
  {
    MapReader r(top.child("training"), source, "training");
    r.seed("seed", c.training.seed);
    r.count("batch_size", c.training.batch_size, false);
    r.count("epochs", c.training.epochs, false);
    r.count("eval_batch_size", c.training.eval_batch_size, false);
    r.number("collective_timeout_s", c.training.collective_timeout_s, 0, kInf, false, false);
    r.finish();
  }
  {
    MapReader r(top.child("output"), source, "output");
    r.text("checkpoint_dir", c.output.checkpoint_dir);
    r.count("checkpoint_every_epochs", c.output.checkpoint_every_epochs, true);
    r.count("checkpoint_every_steps", c.output.checkpoint_every_steps, true);
    r.count("keep_checkpoints", c.output.keep_checkpoints, false);
    r.text("metrics", c.output.metrics);
    r.finish();
  }
  top.finish();
  const ScheduleConfig& schedule = c.optimizer.schedule;
  if (schedule.warmup_epochs >= static_cast<double>(c.training.epochs)) {
    throw ConfigError(source +
                      ": optimizer.schedule.warmup_epochs: must be less than "
                      "training.epochs (" +
                      std::to_string(c.training.epochs) + ")");
  }
  return c;
}

// Shortest text that reads back as the same value.
template <typename T>
std::string number_text(T x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, end);
}

}  // namespace

DataConfig dataset_defaults(const std::string& dataset) {
  if (dataset != "mnist" && dataset != "fashion-mnist" && dataset != "digits8x8") {
    throw ConfigError("unknown dataset '" + dataset +
                      "' (expected mnist, fashion-mnist or digits8x8)");
  }
  DataConfig d;
  d.dataset = dataset;
  d.dir = "data/" + dataset;
  if (dataset == "digits8x8") d.train_split = 1000;
  return d;
}

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
  return parse_root(root, source);
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

std::string to_yaml(const Config& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
  for (const LayerConfig& l : c.model.layers) {
    out << YAML::Flow << YAML::BeginMap;
    if (l.type == LayerType::kDense) {
      out << YAML::Key << "type" << YAML::Value << "dense" << YAML::Key << "units" << YAML::Value
          << l.units << YAML::Key << "activation" << YAML::Value
          << std::string(activation_name(l.activation));
      if (l.kernel_l2 != 0)
        out << YAML::Key << "kernel_l2" << YAML::Value << number_text(l.kernel_l2);
      if (l.bias_l2 != 0) out << YAML::Key << "bias_l2" << YAML::Value << number_text(l.bias_l2);
    } else if (l.type == LayerType::kDropout) {
      out << YAML::Key << "type" << YAML::Value << "dropout" << YAML::Key << "rate" << YAML::Value
          << number_text(l.rate);
    } else {
      out << YAML::Key << "type" << YAML::Value << "activation" << YAML::Key << "activation"
          << YAML::Value << std::string(activation_name(l.activation));
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "loss" << YAML::Value << "categorical_crossentropy" << YAML::EndMap;

  const OptimizerConfig& o = c.optimizer;
  out << YAML::Key << "optimizer" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << o.name;
  out << YAML::Key << "learning_rate" << YAML::Value << number_text(o.learning_rate);
  if (o.name == "adam") {
    out << YAML::Key << "beta_1" << YAML::Value << number_text(o.beta_1);
    out << YAML::Key << "beta_2" << YAML::Value << number_text(o.beta_2);
  }
  if (o.name == "rmsprop") out << YAML::Key << "rho" << YAML::Value << number_text(o.rho);
  if (o.name != "sgd") out << YAML::Key << "epsilon" << YAML::Value << number_text(o.epsilon);
  if (o.name == "sgd") {
    out << YAML::Key << "momentum" << YAML::Value << number_text(o.momentum);
    out << YAML::Key << "nesterov" << YAML::Value << (o.nesterov ? "true" : "false");
  }
  out << YAML::Key << "base_batch_size" << YAML::Value << o.base_batch_size;
  const ScheduleConfig& s = o.schedule;
  out << YAML::Key << "schedule" << YAML::Value << YAML::Flow << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << s.type;
  out << YAML::Key << "warmup_epochs" << YAML::Value << number_text(s.warmup_epochs);
  if (s.type == "step") {
    out << YAML::Key << "drop_every_epochs" << YAML::Value << number_text(s.drop_every_epochs);
    out << YAML::Key << "drop_factor" << YAML::Value << number_text(s.drop_factor);
  }
  if (s.type == "cosine") {
    out << YAML::Key << "final_learning_rate" << YAML::Value << number_text(s.final_learning_rate);
  }
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dataset" << YAML::Value << c.data.dataset;
  out << YAML::Key << "dir" << YAML::Value << c.data.dir;
  if (c.data.dataset == "digits8x8") {
    out << YAML::Key << "train_split" << YAML::Value << c.data.train_split;
  }
  out << YAML::Key << "train_limit" << YAML::Value << c.data.train_limit;
  out << YAML::Key << "test_limit" << YAML::Value << c.data.test_limit << YAML::EndMap;

  out << YAML::Key << "training" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "seed" << YAML::Value << c.training.seed;
  out << YAML::Key << "batch_size" << YAML::Value << c.training.batch_size;
  out << YAML::Key << "epochs" << YAML::Value << c.training.epochs;
  out << YAML::Key << "eval_batch_size" << YAML::Value << c.training.eval_batch_size;
  out << YAML::Key << "collective_timeout_s" << YAML::Value << c.training.collective_timeout_s
      << YAML::EndMap;

  out << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "checkpoint_dir" << YAML::Value << c.output.checkpoint_dir;
  out << YAML::Key << "checkpoint_every_epochs" << YAML::Value << c.output.checkpoint_every_epochs;
  out << YAML::Key << "checkpoint_every_steps" << YAML::Value << c.output.checkpoint_every_steps;
  out << YAML::Key << "keep_checkpoints" << YAML::Value << c.output.keep_checkpoints;
  out << YAML::Key << "metrics" << YAML::Value << c.output.metrics << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace mnist_dp
