// The e2e tests train on the real data files. Without them each test stops at
// once with one line naming what is missing and how to fetch it, instead of
// failing later in ways that hide the cause.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace mnist_dp::testing {
namespace {

// The first of `names` (plain or .gz) missing from dir, or "".
std::string first_missing(const std::string& dir, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const std::string path = dir + "/" + name;
    if (!std::filesystem::exists(path) && !std::filesystem::exists(path + ".gz")) return path;
  }
  return "";
}

class DataFilesPresent : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::string data = MNIST_DP_SOURCE_DIR "/data";
    std::string missing =
        first_missing(data + "/mnist", {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"});
    if (missing.empty()) missing = first_missing(data + "/digits8x8", {"digits.csv"});
    if (missing.empty()) return;
    std::fprintf(stderr,
                 "e2e tests: data file %s is missing; fetch the data with: "
                 "bash launch/fetch_data.sh mnist digits8x8\n",
                 missing.c_str());
    std::exit(1);
  }
};

const auto* const kRegistered = ::testing::AddGlobalTestEnvironment(new DataFilesPresent);

}  // namespace
}  // namespace mnist_dp::testing
