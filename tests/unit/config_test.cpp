// Config loading: the shipped config, the YAML round trip, --set overrides,
// and rejection of bad keys and values with the key named in the message.
#include "mnist_dp/config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>

#include "mnist_dp/config/config_keys.hpp"

namespace mnist_dp {
namespace {

const std::string kConfigDir = MNIST_DP_SOURCE_DIR "/configs";

std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    parse_config(yaml, "test.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kMinimal =
    "model:\n  layers:\n    - {type: dense, units: 16, activation: relu}\n"
    "    - {type: dropout, rate: 0.2}\n    - {type: dense, units: 10, activation: softmax}\n";

TEST(Config, ShippedMlp512IsTheKerasTutorialNetwork) {
  const Config c = load_config_file(kConfigDir + "/mlp512.yaml");
  ASSERT_EQ(c.model.layers.size(), 5u);
  EXPECT_EQ(c.model.layers[0].units, 512u);
  EXPECT_EQ(c.model.layers[0].activation, Activation::kRelu);
  EXPECT_FLOAT_EQ(c.model.layers[1].rate, 0.2f);
  EXPECT_EQ(c.model.layers[4].activation, Activation::kSoftmax);
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::kAdam);
  EXPECT_DOUBLE_EQ(c.optimizer.epsilon, 1e-7);
  EXPECT_EQ(c.training.batch_size, 128u);
  EXPECT_EQ(c.training.epochs, 20u);
}

TEST(Config, ResolvedYamlRoundTrips) {
  const Config a = load_config_file(kConfigDir + "/mlp512.yaml");
  const std::string text = to_yaml(a);
  const Config b = parse_config(text, "resolved");
  EXPECT_EQ(to_yaml(b), text);
  EXPECT_NE(text.find("{type: dropout, rate: 0.2}"), std::string::npos) << text;
  EXPECT_DOUBLE_EQ(b.optimizer.learning_rate, 0.001);
}

TEST(Config, EveryShippedConfigLoadsAndRoundTrips) {
  for (const char* name :
       {"mlp512", "mlp512_rmsprop", "mlp256_128", "mlp512_single", "digits8x8", "fashion_mlp512"}) {
    const Config c = load_config_file(kConfigDir + "/" + name + ".yaml");
    EXPECT_EQ(to_yaml(parse_config(to_yaml(c), "resolved")), to_yaml(c)) << name;
  }
}

TEST(Config, Digits8x8RecipeHasL2AndSplit) {
  const Config c = load_config_file(kConfigDir + "/digits8x8.yaml");
  EXPECT_EQ(c.data.kind, DatasetKind::kDigits8x8);
  EXPECT_EQ(c.data.train_split, 1000u);
  EXPECT_EQ(c.optimizer.kind, OptimizerKind::kSgd);
  EXPECT_DOUBLE_EQ(c.optimizer.momentum, 0.9);
  for (const LayerSpec& l : c.model.layers) {
    EXPECT_FLOAT_EQ(l.kernel_l2, 1e-4f);
    EXPECT_FLOAT_EQ(l.bias_l2, 1e-4f);
  }
}

TEST(Config, DataDirDefaultsToTheDatasetName) {
  EXPECT_EQ(parse_config(kMinimal, "t").data.dir, "data/mnist");
  const Config c = parse_config(kMinimal, "t", {"data.dataset=digits8x8"});
  EXPECT_EQ(c.data.dir, "data/digits8x8");
  EXPECT_EQ(c.data.train_split, 1000u);
}

TEST(Config, ScheduleKeysParse) {
  const Config c = parse_config(
      kMinimal +
          "optimizer: {base_batch_size: 128, schedule: {type: cosine, warmup_epochs: 0.5, "
          "final_learning_rate: 1.0e-5}}\n",
      "t");
  EXPECT_EQ(c.optimizer.base_batch_size, 128u);
  EXPECT_EQ(c.optimizer.schedule.kind, ScheduleKind::kCosine);
  EXPECT_DOUBLE_EQ(c.optimizer.schedule.warmup_epochs, 0.5);
  EXPECT_DOUBLE_EQ(c.optimizer.schedule.final_learning_rate, 1e-5);
}

TEST(Config, OverridesChangeValuesAndListItems) {
  const Config c = parse_config(kMinimal, "t",
                                {"training.epochs=3", "model.layers.1.rate=0.5",
                                 "optimizer.learning_rate=0.01", "data.train_limit=100"});
  EXPECT_EQ(c.training.epochs, 3u);
  EXPECT_FLOAT_EQ(c.model.layers[1].rate, 0.5f);
  EXPECT_DOUBLE_EQ(c.optimizer.learning_rate, 0.01);
  EXPECT_EQ(c.data.train_limit, 100u);
}

TEST(Config, MissingFileNamesIt) {
  try {
    load_config_file("/nonexistent/x.yaml");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.yaml"), std::string::npos);
  }
}

struct BadCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> overrides;
  const char* expected;  // substring of the message
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class ConfigRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigRejects, WithTheKeyNamed) {
  const std::string message = error_of(GetParam().yaml, GetParam().overrides);
  EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
  EXPECT_NE(message.find("test.yaml"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, ConfigRejects,
    ::testing::Values(
        BadCase{"UnknownTopKey", kMinimal + "trainig: {epochs: 2}\n", {}, "trainig: unknown key"},
        BadCase{"UnknownNestedKey",
                kMinimal + "training: {epoch: 2}\n",
                {},
                "training.epoch: unknown key"},
        BadCase{"UnknownLayerKey",
                kMinimal,
                {"model.layers.0.size=3"},
                "model.layers.0.size: unknown key"},
        BadCase{"WrongType",
                kMinimal + "training: {batch_size: abc}\n",
                {},
                "training.batch_size: must be a positive integer"},
        BadCase{"ListForScalar",
                kMinimal + "training: {epochs: [1, 2]}\n",
                {},
                "training.epochs: must be a single value"},
        BadCase{"ZeroBatch", kMinimal, {"training.batch_size=0"}, "training.batch_size"},
        BadCase{"NegativeEpochs", kMinimal, {"training.epochs=-1"}, "training.epochs"},
        BadCase{"ZeroLearningRate",
                kMinimal,
                {"optimizer.learning_rate=0"},
                "optimizer.learning_rate: must be in (0"},
        BadCase{"NegativeLearningRate",
                kMinimal,
                {"optimizer.learning_rate=-0.1"},
                "optimizer.learning_rate"},
        BadCase{"DropoutOne",
                kMinimal,
                {"model.layers.1.rate=1.0"},
                "model.layers.1.rate: must be in [0, 1)"},
        BadCase{"DropoutNegative", kMinimal, {"model.layers.1.rate=-0.1"}, "model.layers.1.rate"},
        BadCase{"UnknownActivation",
                kMinimal,
                {"model.layers.0.activation=swish"},
                "model.layers.0.activation: unknown activation 'swish'"},
        BadCase{"UnknownLayerType",
                kMinimal,
                {"model.layers.0.type=conv"},
                "model.layers.0.type: unknown layer type"},
        BadCase{"UnknownOptimizer",
                kMinimal,
                {"optimizer.name=adagrad"},
                "optimizer.name: unknown optimizer"},
        BadCase{
            "UnknownDataset", kMinimal, {"data.dataset=cifar"}, "data.dataset: unknown dataset"},
        BadCase{"SoftmaxInMiddle",
                kMinimal,
                {"model.layers.0.activation=softmax"},
                "model.layers.0.activation: softmax is only allowed"},
        BadCase{"NoSoftmaxOutput",
                kMinimal,
                {"model.layers.2.activation=relu"},
                "model.layers: the last layer"},
        BadCase{"NoLayers", "training: {epochs: 1}\n", {}, "model.layers: must list"},
        BadCase{"BadYaml", "model: [\n", {}, "not valid YAML"},
        BadCase{"SetWithoutEquals", kMinimal, {"training.epochs"}, "expected key=value"},
        BadCase{"SetBadIndex", kMinimal, {"model.layers.9.rate=0.1"}, "no list item '9'"},
        BadCase{"DuplicateKey",
                kMinimal + "training:\n  epochs: 2\n  seed: 1\n  epochs: 3\n",
                {},
                "training.epochs: duplicate key (lines"},
        BadCase{"DuplicateTopKey",
                "training: {epochs: 2}\n" + kMinimal + "training: {epochs: 3}\n",
                {},
                "training: duplicate key (lines 1 and"},
        BadCase{"AdamKeyForSgd",
                kMinimal + "optimizer: {name: sgd, beta_1: 0.8}\n",
                {},
                "optimizer.beta_1: does not apply to optimizer 'sgd'"},
        BadCase{"SgdKeyForAdam",
                kMinimal,
                {"optimizer.momentum=0.9"},
                "optimizer.momentum: does not apply to optimizer 'adam'"},
        BadCase{"RmspropKeyForAdam",
                kMinimal,
                {"optimizer.rho=0.9"},
                "optimizer.rho: does not apply to optimizer 'adam'"},
        BadCase{"StepKeyForCosine",
                kMinimal,
                {"optimizer.schedule.type=cosine", "optimizer.schedule.drop_factor=0.5"},
                "optimizer.schedule.drop_factor: does not apply to schedule 'cosine'"},
        BadCase{"CosineKeyForConstant",
                kMinimal,
                {"optimizer.schedule.final_learning_rate=0.0001"},
                "optimizer.schedule.final_learning_rate: does not apply to schedule 'constant'"},
        BadCase{"BadBool",
                kMinimal,
                {"optimizer.name=sgd", "optimizer.nesterov=maybe"},
                "optimizer.nesterov: must be true or false"},
        BadCase{
            "NegativeL2", kMinimal, {"model.layers.0.kernel_l2=-1"}, "model.layers.0.kernel_l2"},
        BadCase{"L2OnDropout",
                kMinimal,
                {"model.layers.1.bias_l2=0.1"},
                "model.layers.1.bias_l2: unknown key"},
        BadCase{"UnknownSchedule",
                kMinimal,
                {"optimizer.schedule.type=linear"},
                "optimizer.schedule.type: unknown schedule 'linear'"},
        BadCase{"StepWithoutInterval",
                kMinimal,
                {"optimizer.schedule.type=step"},
                "optimizer.schedule.drop_every_epochs: is required"},
        BadCase{"WarmupTooLong",
                kMinimal,
                {"optimizer.schedule.warmup_epochs=20"},
                "optimizer.schedule.warmup_epochs: must be less than training.epochs"},
        BadCase{"SplitForMnist",
                kMinimal,
                {"data.train_split=100"},
                "data.train_split: only applies to digits8x8"}),
    [](const auto& test) { return std::string(test.param.name); });

// docs/config.md holds the reference generated from the key table between two
// markers, so the documented keys are exactly the keys the reader accepts.
// MNIST_DP_UPDATE_DOCS=1 rewrites the file's table instead of failing.
TEST(ConfigReference, DocsHoldTheTableGeneratedFromTheKeys) {
  const std::string path = MNIST_DP_SOURCE_DIR "/docs/config.md";
  const std::string begin = "<!-- generated from config_keys.cpp: begin -->\n";
  const std::string end = "<!-- generated from config_keys.cpp: end -->";
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  std::string doc = text.str();
  const std::size_t from = doc.find(begin), to = doc.find(end);
  ASSERT_NE(from, std::string::npos) << path << ": no begin marker";
  ASSERT_NE(to, std::string::npos) << path << ": no end marker";
  const std::string generated = config_reference_markdown();
  if (std::getenv("MNIST_DP_UPDATE_DOCS")) {
    doc.replace(from + begin.size(), to - from - begin.size(), generated);
    std::ofstream(path) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from + begin.size(), to - from - begin.size()), generated)
      << path << " is out of date: rerun this test with MNIST_DP_UPDATE_DOCS=1";
}

// Every key of the table is accepted by --set with its own default value, so
// no key is in the table but unreadable.
TEST(ConfigReference, EveryKeyReadsBackItsWrittenValue) {
  const Config c = load_config_file(kConfigDir + "/mlp512.yaml");
  const std::string yaml = to_yaml(c);
  for (const KeySpec<Config>& key : config_keys()) {
    if (key.name == "model.layers") continue;
    Config copy = c;
    if (key.not_for && !key.not_for(copy).empty()) continue;
    const std::string value = field_text(key.field(copy));
    const Config back =
        parse_config(yaml, "t", {std::string(key.name) + "=" + (value.empty() ? "''" : value)});
    EXPECT_EQ(to_yaml(back), yaml) << key.name;
  }
}

}  // namespace
}  // namespace mnist_dp
