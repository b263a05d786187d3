// The Keras Sequential model_config JSON (nlohmann-json): written with every
// key Keras 2 writes for Dense, Dropout and Activation, read back strictly.
#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/keras_model.hpp"

namespace mnist_dp {
namespace {

using nlohmann::json;

// A float config value as the double Keras would have written (0.2, not 0.20000000298).
double as_written(float x) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, x);
  *end = '\0';
  return std::strtod(text, nullptr);
}

json l2_regularizer(float l2) {
  if (l2 == 0.0f) return nullptr;
  return {{"class_name", "L2"}, {"config", {{"l2", as_written(l2)}}}};
}

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw DataError(source + ": model_config: " + what);
}

}  // namespace

std::vector<std::string> keras_layer_names(const ModelSpec& config) {
  std::size_t dense = 0, dropout = 0, activation = 0;
  auto next = [](const char* base, std::size_t& count) {
    return count++ ? std::string(base) + "_" + std::to_string(count - 1) : std::string(base);
  };
  std::vector<std::string> names;
  for (const LayerSpec& l : config.layers) {
    switch (l.kind) {
      case LayerKind::kDense:
        names.push_back(next("dense", dense));
        break;
      case LayerKind::kDropout:
        names.push_back(next("dropout", dropout));
        break;
      case LayerKind::kActivation:
        names.push_back(next("activation", activation));
        break;
    }
  }
  return names;
}

std::string keras_model_config(const ModelSpec& config, std::size_t input_size) {
  json layers = json::array();
  layers.push_back({{"class_name", "InputLayer"},
                    {"config",
                     {{"batch_input_shape", {nullptr, input_size}},
                      {"dtype", "float32"},
                      {"sparse", false},
                      {"ragged", false},
                      {"name", "dense_input"}}}});
  const std::vector<std::string> names = keras_layer_names(config);
  for (std::size_t i = 0; i < config.layers.size(); ++i) {
    const LayerSpec& l = config.layers[i];
    switch (l.kind) {
      case LayerKind::kDense:
        layers.push_back(
            {{"class_name", "Dense"},
             {"config",
              {{"name", names[i]},
               {"trainable", true},
               {"dtype", "float32"},
               {"units", l.units},
               {"activation", std::string(activation_name(l.activation))},
               {"use_bias", true},
               {"kernel_initializer",
                {{"class_name", "GlorotUniform"}, {"config", {{"seed", nullptr}}}}},
               {"bias_initializer", {{"class_name", "Zeros"}, {"config", json::object()}}},
               {"kernel_regularizer", l2_regularizer(l.kernel_l2)},
               {"bias_regularizer", l2_regularizer(l.bias_l2)},
               {"activity_regularizer", nullptr},
               {"kernel_constraint", nullptr},
               {"bias_constraint", nullptr}}}});
        break;
      case LayerKind::kDropout:
        layers.push_back({{"class_name", "Dropout"},
                          {"config",
                           {{"name", names[i]},
                            {"trainable", true},
                            {"dtype", "float32"},
                            {"rate", as_written(l.rate)},
                            {"noise_shape", nullptr},
                            {"seed", nullptr}}}});
        break;
      case LayerKind::kActivation:
        layers.push_back({{"class_name", "Activation"},
                          {"config",
                           {{"name", names[i]},
                            {"trainable", true},
                            {"dtype", "float32"},
                            {"activation", std::string(activation_name(l.activation))}}}});
        break;
    }
  }
  const json model = {{"class_name", "Sequential"},
                      {"config", {{"name", "sequential"}, {"layers", layers}}}};
  return model.dump();
}

ModelSpec parse_keras_model_config(const std::string& text, const std::string& source,
                                   std::size_t& input_size) {
  json model;
  try {
    model = json::parse(text);
  } catch (const json::exception& e) {
    fail(source, std::string("not valid JSON: ") + e.what());
  }
  if (!model.is_object() || model.value("class_name", "") != "Sequential") {
    fail(source, "only Sequential models are supported");
  }
  // Lookups of keys that may be missing go through value(), never a const
  // operator[], which is undefined for a missing key (the fuzzer found a
  // use-after-free there).
  const json inner = model.value("config", json());
  const json layers = inner.is_object() ? inner.value("layers", json()) : inner;
  if (!layers.is_array()) fail(source, "no layer list");
  ModelSpec config;
  input_size = 0;
  auto read_input_shape = [&](const json& c) {
    for (const char* key : {"batch_input_shape", "batch_shape"}) {
      if (c.contains(key) && c[key].is_array() && c[key].size() == 2 && c[key][1].is_number()) {
        input_size = c[key][1].get<std::size_t>();
      }
    }
  };
  try {
    for (const json& layer : layers) {
      const std::string kind = layer.at("class_name").get<std::string>();
      const json& c = layer.at("config");
      LayerSpec l;
      auto activation = [&] {
        const std::string name = c.at("activation").get<std::string>();
        if (!parse_activation(name, l.activation))
          fail(source, "unsupported activation '" + name + "'");
      };
      if (kind == "InputLayer") {
        read_input_shape(c);
        continue;
      }
      if (kind == "Dense") {
        read_input_shape(c);
        l.kind = LayerKind::kDense;
        l.units = c.at("units").get<std::size_t>();
        activation();
        if (!c.value("use_bias", true)) fail(source, "Dense layers without bias are not supported");
        for (auto [key, out] :
             {std::pair{"kernel_regularizer", &l.kernel_l2}, {"bias_regularizer", &l.bias_l2}}) {
          if (c.contains(key) && c[key].is_object()) {
            *out = c[key].value("config", json::object()).value("l2", 0.0f);
          }
        }
      } else if (kind == "Dropout") {
        l.kind = LayerKind::kDropout;
        l.rate = c.at("rate").get<float>();
      } else if (kind == "Activation") {
        l.kind = LayerKind::kActivation;
        activation();
      } else {
        fail(source, "layer class '" + kind + "' is not supported (Dense, Dropout, Activation)");
      }
      config.layers.push_back(l);
    }
  } catch (const json::exception& e) {
    fail(source, std::string("malformed layer: ") + e.what());
  }
  if (input_size == 0) fail(source, "no input shape (batch_input_shape [null, N])");
  return config;
}

}  // namespace mnist_dp
