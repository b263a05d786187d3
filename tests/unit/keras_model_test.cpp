// The Keras model reader refuses malformed model_config JSON with a clear
// error, including the shapes the fuzzer found: a missing layer list and a
// regularizer without its config (both once read through nlohmann's const
// operator[], undefined for a missing key: a use-after-free under ASan). A file
// that crashes HDF5 itself gives an error, not a crash.
#include "mnist_dp/io/keras_model.hpp"

#include <gtest/gtest.h>

#include "mnist_dp/core/errors.hpp"
#include "test_support.hpp"

namespace mnist_dp {
namespace {

std::string config_error(const std::string& json) {
  return testing::error_message<DataError>([&] {
    std::size_t input_size = 0;
    parse_keras_model_config(json, "m.h5", input_size);
  });
}

TEST(KerasModelConfig, MissingLayerListIsAnError) {
  EXPECT_NE(config_error(R"({"class_name": "Sequential", "config": {"namers": []}})")
                .find("no layer list"),
            std::string::npos);
  EXPECT_NE(config_error(R"({"class_name": "Sequential"})").find("no layer list"),
            std::string::npos);
}

TEST(KerasModelConfig, RegularizerWithoutConfigMeansNoPenalty) {
  std::size_t input_size = 0;
  const ModelSpec m = parse_keras_model_config(
      R"({"class_name": "Sequential", "config": {"layers": [
           {"class_name": "Dense", "config": {"units": 10, "activation": "softmax",
            "batch_input_shape": [null, 64], "kernel_regularizer": {"class_name": "L2"}}}]}})",
      "m.h5", input_size);
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].kernel_l2, 0.0f);
  EXPECT_EQ(input_size, 64u);
}

TEST(KerasModelConfig, RegularizerConfigOfTheWrongTypeIsAnError) {
  EXPECT_NE(config_error(R"({"class_name": "Sequential", "config": {"layers": [
           {"class_name": "Dense", "config": {"units": 10, "activation": "softmax",
            "kernel_regularizer": {"config": 3}}}]}})")
                .find("m.h5"),
            std::string::npos);
}

TEST(KerasModelConfig, TheFuzzerFoundFileIsRefused) {
  const std::string path =
      MNIST_DP_SOURCE_DIR "/fuzz/crashes/keras-missing-layers-use-after-free.h5";
  const std::string error = testing::error_message<DataError>([&] { read_keras_model(path); });
  EXPECT_NE(error.find("no layer list"), std::string::npos) << error;
}

// A file on which HDF5 1.10.8 itself overflows a heap buffer (in H5Aexists).
// Whether that crashes depends on the heap: in `mnist_dp evaluate` it is a
// segfault, which the child process turns into "corrupt HDF5 file" (e2e test
// ModelFiles.BadFilesGiveOneClearError); here it may read garbage instead.
// Either way the reader must throw a DataError naming the file, not crash.
TEST(KerasModelFile, AFileThatCrashesHdf5GivesAnError) {
  const std::string path =
      MNIST_DP_SOURCE_DIR "/fuzz/crashes/hdf5-keras-attr-exists-heap-overflow.h5";
  const std::string error = testing::error_message<DataError>([&] { read_keras_model(path); });
  EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;
}

}  // namespace
}  // namespace mnist_dp
