// Keras-style progress (--verbose): on a terminal (a pseudo-terminal from
// `script`, with mpirun in between) a bar redrawn with carriage returns and
// ending in the full epoch line; piped, only complete lines with steps and
// ms/step; 0 prints nothing but errors.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

const std::string kShortRun = "--set data.train_limit=2560 --set training.epochs=2 ";

TEST(Progress, TerminalGetsALiveBarEndingInTheEpochLine) {
  const CommandResult r =
      run_command("script -qec \"" + train_command(2, kShortRun) + "\" /dev/null", 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Epoch 2/2\r\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\r20/20 [==============================] - "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" - val_accuracy: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Epoch 2/2 - 20 steps"), std::string::npos) << r.output;
}

TEST(Progress, PipedOutputHasOnlyCompleteLines) {
  const CommandResult r = run_command(train_command(2, kShortRun) + " 2>&1 | cat", 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find('\r'), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Epoch 2/2 - 20 steps - "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ms/step - loss: "), std::string::npos) << r.output;
}

TEST(Progress, VerboseZeroPrintsNothingButErrors) {
  const CommandResult quiet = run_command(train_command(2, kShortRun + "--verbose 0"), 120);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_EQ(quiet.output, "");
  const CommandResult bad = run_command(train_command(2, kShortRun + "--verbose 3"), 120);
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("output.verbose"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace mnist_dp::testing
