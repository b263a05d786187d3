// The config key table and the Markdown reference generated from it.
#include "mnist_dp/config/config_keys.hpp"

#include <charconv>
#include <sstream>

namespace mnist_dp {
namespace {

constexpr Range kPositive{1};
constexpr Range kNonNegative{0};
constexpr Range kAboveZero{0, 1e300, true, false};
constexpr Range kUnitOpen{0, 1, false, true};  // [0, 1)

template <typename Kind>
std::string unless(Kind actual, std::initializer_list<Kind> kinds) {
  for (Kind k : kinds) {
    if (k == actual) return "";
  }
  return "does not apply to " + std::string(EnumNames<Kind>::what) + " '" +
         std::string(enum_name(actual)) + "'";
}

std::string for_optimizers(const Config& c, std::initializer_list<OptimizerKind> kinds) {
  return unless(c.optimizer.kind, kinds);
}
std::string for_schedules(const Config& c, std::initializer_list<ScheduleKind> kinds) {
  return unless(c.optimizer.schedule.kind, kinds);
}
std::string for_layers(const LayerSpec& l, std::initializer_list<LayerKind> kinds) {
  return unless(l.kind, kinds).empty() ? "" : "unknown key";
}

double default_learning_rate(OptimizerKind kind) {
  return kind == OptimizerKind::kSgd ? 1e-2 : 1e-3;
}

// Short names keep the table to one row per key.
using O = OptimizerKind;
using S = ScheduleKind;
using L = LayerKind;
#define FIELD(expr) [](Config& c) -> FieldRef { return &(expr); }
#define LAYER_FIELD(expr) [](LayerSpec& l) -> FieldRef { return &(expr); }

const KeySpec<Config> kConfigKeys[] = {
    {"model.layers", "the network, first layer first; each item has the keys below",
     FIELD(c.model.layers)},
    {"model.loss", "categorical cross-entropy under either Keras name", FIELD(c.model.loss)},
    {"optimizer.name",
     "the update rule",
     FIELD(c.optimizer.kind),
     {},
     nullptr,
     {},
     [](Config& c) { c.optimizer.learning_rate = default_learning_rate(c.optimizer.kind); }},
    {"optimizer.learning_rate", "step size (default 0.001; sgd 0.01)",
     FIELD(c.optimizer.learning_rate), kAboveZero},
    {"optimizer.beta_1", "Adam's first-moment decay", FIELD(c.optimizer.beta_1), kUnitOpen,
     [](const Config& c) { return for_optimizers(c, {O::kAdam}); }},
    {"optimizer.beta_2", "Adam's second-moment decay", FIELD(c.optimizer.beta_2), kUnitOpen,
     [](const Config& c) { return for_optimizers(c, {O::kAdam}); }},
    {"optimizer.epsilon", "added to the root mean square", FIELD(c.optimizer.epsilon), kAboveZero,
     [](const Config& c) {
       return for_optimizers(c, {O::kAdam, O::kRmsprop});
     }},
    {"optimizer.rho", "RMSprop's mean-square decay", FIELD(c.optimizer.rho), kUnitOpen,
     [](const Config& c) { return for_optimizers(c, {O::kRmsprop}); }},
    {"optimizer.momentum", "SGD momentum", FIELD(c.optimizer.momentum), kUnitOpen,
     [](const Config& c) { return for_optimizers(c, {O::kSgd}); }},
    {"optimizer.nesterov",
     "SGD with Nesterov momentum",
     FIELD(c.optimizer.nesterov),
     {},
     [](const Config& c) { return for_optimizers(c, {O::kSgd}); }},
    {"optimizer.base_batch_size",
     "linear scaling: learning_rate is for this global batch (0: no scaling)",
     FIELD(c.optimizer.base_batch_size), kNonNegative},
    {"optimizer.schedule.type", "learning-rate schedule after warmup",
     FIELD(c.optimizer.schedule.kind)},
    {"optimizer.schedule.warmup_epochs", "linear ramp from ~0 over these epochs",
     FIELD(c.optimizer.schedule.warmup_epochs), kNonNegative},
    {"optimizer.schedule.drop_every_epochs", "step: multiply by drop_factor every this many epochs",
     FIELD(c.optimizer.schedule.drop_every_epochs), kAboveZero,
     [](const Config& c) { return for_schedules(c, {S::kStep}); }, "a step schedule"},
    {"optimizer.schedule.drop_factor",
     "step: the factor",
     FIELD(c.optimizer.schedule.drop_factor),
     {0, 1, true, false},
     [](const Config& c) { return for_schedules(c, {S::kStep}); }},
    {"optimizer.schedule.final_learning_rate", "cosine: the rate the decay ends at",
     FIELD(c.optimizer.schedule.final_learning_rate), kNonNegative,
     [](const Config& c) { return for_schedules(c, {S::kCosine}); }},
    {"data.dataset",
     "which dataset",
     FIELD(c.data.kind),
     {},
     nullptr,
     {},
     [](Config& c) { c.data = dataset_defaults(dataset_name(c.data.kind)); }},
    {"data.dir", "its directory (default data/<dataset>)", FIELD(c.data.dir)},
    {"data.train_split", "digits8x8: the first N rows train, the rest test (default 1000)",
     FIELD(c.data.train_split), kPositive,
     [](const Config& c) {
       return c.data.kind == DatasetKind::kDigits8x8
                  ? std::string()
                  : "only applies to digits8x8 (" + dataset_name(c.data.kind) +
                        " has its own test set)";
     }},
    {"data.train_limit", "use only the first N training images (0: all)", FIELD(c.data.train_limit),
     kNonNegative},
    {"data.test_limit", "use only the first N test images (0: all)", FIELD(c.data.test_limit),
     kNonNegative},
    {"training.seed", "initial weights, shuffling and dropout masks", FIELD(c.training.seed),
     kNonNegative},
    {"training.batch_size", "global batch, across all ranks", FIELD(c.training.batch_size),
     kPositive},
    {"training.epochs", "passes over the training set", FIELD(c.training.epochs), kPositive},
    {"training.eval_batch_size", "rows per evaluation pass", FIELD(c.training.eval_batch_size),
     kPositive},
    {"training.collective_timeout_s",
     "a rank waiting this long in a collective ends the run, naming the missing ranks (0: never)",
     FIELD(c.training.collective_timeout_s), kNonNegative},
    {"training.deterministic",
     "the same bytes at any rank count: fixed 16-row shards summed in a fixed order",
     FIELD(c.training.deterministic)},
    {"training.sparse_input_below",
     "the first Dense layer skips zero pixels when the training images' non-zero fraction is "
     "below this (MNIST 0.19, Fashion-MNIST 0.50; 0: never)",
     FIELD(c.training.sparse_input_below),
     {0, 1}},
    {"training.sparse_forward_below",
     "a Dense layer of at least 128 units runs each row of its forward product down that row's "
     "non-zero inputs when a batch's input is less than this fraction non-zero (ReLU and dropout "
     "outputs: ~0.4 falling to ~0.2 on MNIST); the same bits either way (0: never)",
     FIELD(c.training.sparse_forward_below),
     {0, 1}},
    {"training.sparse_gradient_below",
     "a Dense layer of at least 128 units computes its weight gradient from a batch's non-zero "
     "inputs when fewer than this fraction are non-zero (ReLU and dropout outputs: ~0.4 falling "
     "to ~0.2 on MNIST); the same bits either way (0: never)",
     FIELD(c.training.sparse_gradient_below),
     {0, 1}},
    {"training.precision",
     "fp32, or bf16: the dense products of training steps round both operands to bfloat16 and "
     "sum in float32 (AVX512-BF16; evaluation, products that skip zeros and the weights stay "
     "float32)",
     FIELD(c.training.precision)},
    {"training.shared_memory",
     "ranks that all share one node reduce gradients and share parameters in shared memory "
     "(false: MPI messages)",
     FIELD(c.training.shared_memory)},
    {"training.streaming_stores",
     "with shared memory, what other ranks' cores read next is written with streaming stores, "
     "past this core's caches: much faster where stores to lines another core holds are slow "
     "(VMs whose cores sit on different dies at times), no slower where they are not (Zen 4); "
     "the same bits either way",
     FIELD(c.training.streaming_stores)},
    {"training.shared_update",
     "with shared memory on one node (not in the deterministic mode), the ranks share the "
     "optimizer pass, each taking chunks of the model as every rank's gradient of them completes, "
     "so a rank that is ahead does more instead of waiting (false: each rank updates a fixed "
     "block); the same bits either way",
     FIELD(c.training.shared_update)},
    {"output.checkpoint_dir", "where checkpoints go (empty: none)", FIELD(c.output.checkpoint_dir)},
    {"output.checkpoint_every_epochs", "0: only at the end of training",
     FIELD(c.output.checkpoint_every_epochs), kNonNegative},
    {"output.checkpoint_every_steps", "also every N global steps (0: never within an epoch)",
     FIELD(c.output.checkpoint_every_steps), kNonNegative},
    {"output.keep_checkpoints", "the newest N checkpoint files are kept",
     FIELD(c.output.keep_checkpoints), kPositive},
    {"output.metrics", "per-epoch CSV (empty: none)", FIELD(c.output.metrics)},
    {"output.verbose",
     "auto (1 on a terminal, else 2), 0 (errors only), 1 (a progress bar redrawn in place, then "
     "the epoch line), 2 (one line per epoch with its steps and ms/step)",
     FIELD(c.output.verbose)},
};

const KeySpec<LayerSpec> kLayerKeys[] = {
    {"type", "dense, dropout or activation", LAYER_FIELD(l.kind), {}, nullptr, "a layer"},
    {"units", "dense: outputs", LAYER_FIELD(l.units), kPositive,
     [](const LayerSpec& l) { return for_layers(l, {L::kDense}); }, "a dense layer"},
    {"activation",
     "dense, activation: the function (default linear)",
     LAYER_FIELD(l.activation),
     {},
     [](const LayerSpec& l) {
       return for_layers(l, {L::kDense, L::kActivation});
     }},
    {"rate", "dropout: the fraction of units dropped", LAYER_FIELD(l.rate), kUnitOpen,
     [](const LayerSpec& l) { return for_layers(l, {L::kDropout}); }, "a dropout layer"},
    {"kernel_l2", "dense: adds kernel_l2 * sum(kernel^2) to the loss", LAYER_FIELD(l.kernel_l2),
     kNonNegative, [](const LayerSpec& l) { return for_layers(l, {L::kDense}); }},
    {"bias_l2", "dense: adds bias_l2 * sum(bias^2) to the loss", LAYER_FIELD(l.bias_l2),
     kNonNegative, [](const LayerSpec& l) { return for_layers(l, {L::kDense}); }},
};

#undef FIELD
#undef LAYER_FIELD

std::string range_text(const Range& r) {
  auto number = [](double x) {
    if (x >= 1e300) return std::string("inf");
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
  };
  return std::string(r.lo_open ? "(" : "[") + number(r.lo) + ", " + number(r.hi) +
         (r.hi_open || r.hi >= 1e300 ? ")" : "]");
}

// "integer >= 1", "number in (0, inf)", "adam, sgd or rmsprop" ...
template <typename Target>
std::string value_text(const KeySpec<Target>& key) {
  Target target{};
  return std::visit(
      [&](auto* field) -> std::string {
        using T = std::remove_pointer_t<decltype(field)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return "text";
        } else if constexpr (std::is_same_v<T, std::size_t>) {
          return key.range.lo >= 1 ? "integer >= 1" : "integer >= 0";
        } else if constexpr (std::is_same_v<T, bool>) {
          return "true or false";
        } else if constexpr (std::is_same_v<T, std::vector<LayerSpec>>) {
          return "list";
        } else if constexpr (std::is_enum_v<T>) {
          std::string names;
          for (std::string_view name : EnumNames<T>::names)
            names += (names.empty() ? "" : ", ") + std::string(name);
          return names;
        } else {
          return "number in " + range_text(key.range);
        }
      },
      key.field(target));
}

template <typename Target>
void add_rows(std::ostringstream& out, std::span<const KeySpec<Target>> keys,
              const std::string& prefix) {
  Target defaults{};
  for (const KeySpec<Target>& key : keys) {
    const FieldRef field = key.field(defaults);
    const bool list = std::holds_alternative<std::vector<LayerSpec>*>(field);
    const std::string text = field_text(field);
    const std::string shown = !key.required_for.empty() || list ? "required"
                              : text.empty()                    ? "empty"
                                                                : "`" + text + "`";
    out << "| `" << prefix << key.name << "` | " << value_text(key) << " | " << shown << " | "
        << key.help << " |\n";
  }
}

}  // namespace

std::span<const KeySpec<Config>> config_keys() { return kConfigKeys; }

std::string field_text(const FieldRef& field) {
  return std::visit(
      [](auto* value) -> std::string {
        using T = std::remove_pointer_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return *value;
        } else if constexpr (std::is_same_v<T, bool>) {
          return *value ? "true" : "false";
        } else if constexpr (std::is_enum_v<T>) {
          return std::string(enum_name(*value));
        } else if constexpr (std::is_same_v<T, std::vector<LayerSpec>>) {
          return std::to_string(value->size()) + " layers";
        } else {  // the shortest text that reads back as the same value
          char buf[64];
          return std::string(buf, std::to_chars(buf, buf + sizeof buf, *value).ptr);
        }
      },
      field);
}
std::span<const KeySpec<LayerSpec>> layer_keys() { return kLayerKeys; }

std::string config_reference_markdown() {
  std::ostringstream out;
  out << "| key | value | default | meaning |\n|---|---|---|---|\n";
  add_rows(out, config_keys().first(1), "");
  add_rows(out, layer_keys(), "model.layers.N.");
  add_rows(out, config_keys().subspan(1), "");
  return out.str();
}

}  // namespace mnist_dp
