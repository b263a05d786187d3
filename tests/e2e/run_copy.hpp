// The fixture of the output-safety e2e tests: every test starts from its own
// copy of a finished small run (config, data, checkpoints, metrics, an image)
// and the helpers that build commands on such a copy.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "e2e_support.hpp"

namespace mnist_dp::testing {

// The training command on the files of a run root: config.yaml, data/ (the
// MNIST files), ck/ (checkpoints) and metrics.csv. 512 images at batch 128:
// 4 steps per epoch.
std::string train(const std::string& root, const std::string& extra);
// `train` with --resume auto.
std::string resume_auto(const std::string& root, const std::string& extra);
// mnist_dp with a tool command's arguments (no mpirun).
std::string tool(const std::string& args);

// A root holding a finished 2-epoch run (checkpoints after steps 4 and 8),
// made once per test process; every test works on its own copy.
class RunCopy : public ::testing::Test {
 protected:
  // No assertion in here: ctest reports a test whose suite set-up failed as
  // skipped, so a failure is kept and raised in every test's SetUp instead.
  static void SetUpTestSuite() {
    made_ = std::make_unique<TempDir>();
    try {
      made_error_ = make_finished_run(made_->path());
    } catch (const std::exception& e) {
      made_error_ = std::string("setting up the finished run failed: ") + e.what();
    }
  }
  // The files every test copies; returns what went wrong, or "".
  static std::string make_finished_run(const std::string& root);
  static void TearDownTestSuite() { made_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(made_error_.empty()) << made_error_;
    std::filesystem::copy(
        made_->path(), root(),
        std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
  }
  std::string root() const { return dir_.path() + "/run"; }

  static std::unique_ptr<TempDir> made_;
  static std::string made_error_;
  TempDir dir_;
};

}  // namespace mnist_dp::testing
