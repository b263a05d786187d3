// The one table of config keys: for each key its dotted name, the field it
// sets (whose type decides how its text is read), its range, when it applies,
// and its help. The YAML reader, `--set`, the YAML writer (--print-config)
// and the reference in docs/config.md are all driven by it, so a key cannot
// be added to one and forgotten in another.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mnist_dp/config/config.hpp"

namespace mnist_dp {

// The field a key sets. Strings are text, size_t counts (integers), double
// and float numbers, bool true/false, enums one of their names, and the layer
// list a YAML list of maps read with layer_keys().
using FieldRef = std::variant<std::string*, std::size_t*, double*, float*, bool*, OptimizerKind*,
                              ScheduleKind*, DatasetKind*, Loss*, LayerKind*, Activation*,
                              Precision*, Verbosity*, std::vector<LayerSpec>*>;

// Allowed values of a number ([lo, hi], an end excluded when open), or of a
// count (lo is 0 or 1; hi unused).
struct Range {
  double lo = 0;
  double hi = 1e300;
  bool lo_open = false;
  bool hi_open = false;
};

// One key of a table over `Target` (Config, or one LayerSpec of model.layers).
template <typename Target>
struct KeySpec {
  std::string_view name;  // dotted path from the table's root: "optimizer.beta_1", "units"
  std::string_view help;
  FieldRef (*field)(Target&);
  Range range = {};
  // Why the key does not apply to this target ("does not apply to optimizer
  // 'sgd'"), or "" when it does. A key that does not apply must be absent.
  std::string (*not_for)(const Target&) = nullptr;
  // Non-empty: the key must be given when it applies ("a dense layer").
  std::string_view required_for = {};
  // Sets the defaults that follow from this key's value (a dataset's directory).
  void (*then)(Target&) = nullptr;
};

// Every key, in reading and writing order.
std::span<const KeySpec<Config>> config_keys();
// The keys of one item of model.layers.
std::span<const KeySpec<LayerSpec>> layer_keys();

// The names an enum field accepts, indexed by the enum's value, and what the
// names are of ("optimizer", "layer type").
template <typename Enum>
struct EnumNames;
template <>
struct EnumNames<OptimizerKind> {
  static constexpr std::string_view what = "optimizer";
  static constexpr std::string_view names[] = {"adam", "sgd", "rmsprop"};
};
template <>
struct EnumNames<ScheduleKind> {
  static constexpr std::string_view what = "schedule";
  static constexpr std::string_view names[] = {"constant", "step", "cosine"};
};
template <>
struct EnumNames<DatasetKind> {
  static constexpr std::string_view what = "dataset";
  static constexpr std::string_view names[] = {"mnist", "fashion-mnist", "digits8x8"};
};
template <>
struct EnumNames<Loss> {
  static constexpr std::string_view what = "loss";
  static constexpr std::string_view names[] = {"categorical_crossentropy",
                                               "sparse_categorical_crossentropy"};
};
template <>
struct EnumNames<LayerKind> {
  static constexpr std::string_view what = "layer type";
  static constexpr std::string_view names[] = {"dense", "activation", "dropout"};
};
template <>
struct EnumNames<Precision> {
  static constexpr std::string_view what = "precision";
  static constexpr std::string_view names[] = {"fp32", "bf16"};
};
template <>
struct EnumNames<Verbosity> {
  static constexpr std::string_view what = "verbosity";
  static constexpr std::string_view names[] = {"auto", "0", "1", "2"};
};
template <>
struct EnumNames<Activation> {
  static constexpr std::string_view what = "activation";
  static constexpr const auto& names = kActivationNames;
};

template <typename Enum>
std::string_view enum_name(Enum value) {
  return EnumNames<Enum>::names[static_cast<std::size_t>(value)];
}

template <typename Enum>
std::optional<Enum> enum_from_name(std::string_view name) {
  const auto& names = EnumNames<Enum>::names;
  for (std::size_t i = 0; i < std::size(names); ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

// "unknown optimizer 'adagrad' (expected adam, sgd or rmsprop)"
template <typename Enum>
std::string unknown_name_message(std::string_view name) {
  const auto& names = EnumNames<Enum>::names;
  std::string expected;
  for (std::size_t i = 0; i < std::size(names); ++i) {
    expected += std::string(i == 0                      ? ""
                            : i + 1 == std::size(names) ? " or "
                                                        : ", ") +
                std::string(names[i]);
  }
  return "unknown " + std::string(EnumNames<Enum>::what) + " '" + std::string(name) +
         "' (expected " + expected + ")";
}

// The value of a field as the YAML writer prints it: the shortest text that
// reads back as the same value, an enum's name.
std::string field_text(const FieldRef& field);

// The Markdown reference of every key (docs/config.md holds it verbatim).
std::string config_reference_markdown();

}  // namespace mnist_dp
