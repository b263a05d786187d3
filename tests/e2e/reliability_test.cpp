// Stopping on request: SIGTERM to the ranks (what Slurm sends on preemption)
// makes all ranks checkpoint at the same step boundary and exit with code 5;
// `--resume auto` then finishes the run bit-identical to an uninterrupted one.
#include <gtest/gtest.h>

#include "e2e_support.hpp"
#include "mnist_dp/io/checkpoint.hpp"

namespace mnist_dp::testing {
namespace {

// 12800 images at batch 128: 100 steps per epoch, 3000 in all (~10 s at -np 2).
const std::string kLongRun =
    "--set data.train_limit=12800 --set data.test_limit=500 --set training.epochs=30 "
    "--set output.metrics= --set output.checkpoint_every_epochs=10 ";

TEST(Reliability, SigtermCheckpointsAndResumeFinishesBitExactly) {
  TempDir dir;
  const CommandResult straight =
      run_command(train_command(2, kLongRun + "--set output.checkpoint_dir=" + dir.file("a")), 300);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  // Start the same run, then send SIGTERM to the ranks (mpirun's children).
  const std::string run_b =
      train_command(2, kLongRun + "--set output.checkpoint_dir=" + dir.file("b"));
  const CommandResult stopped = run_command(
      "( " + run_b + " ) & pid=$!; sleep 3; pkill -TERM -P $pid; wait $pid; exit $?", 300);
  EXPECT_EQ(stopped.exit_code, 5) << stopped.output;
  const std::vector<std::string> errors = error_lines(stopped.output);
  ASSERT_EQ(errors.size(), 1u) << stopped.output;
  EXPECT_NE(errors[0].find("stopped by a signal"), std::string::npos) << errors[0];
  const Checkpoint at_stop = read_checkpoint(dir.file("b/latest.h5"));
  EXPECT_GT(at_stop.progress.global_step, 0u);
  EXPECT_LT(at_stop.progress.global_step, 3000u) << "the run finished before the signal";
  std::printf("stopped at global step %llu\n",
              static_cast<unsigned long long>(at_stop.progress.global_step));

  const CommandResult resumed = run_command(run_b + " --resume auto", 300);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("Resuming from"), std::string::npos) << resumed.output;
  EXPECT_TRUE(checkpoint_params(dir.file("a/latest.h5")) ==
              checkpoint_params(dir.file("b/latest.h5")))
      << "the resumed run differs from the uninterrupted one";
}

TEST(Reliability, ResumeAutoStartsFreshWithoutACheckpoint) {
  TempDir dir;
  const CommandResult r = run_command(
      train_command(2,
                    "--set data.train_limit=1280 --set data.test_limit=200 "
                    "--set training.epochs=1 --set output.metrics= --set output.checkpoint_dir=" +
                        dir.file("fresh") + " --resume auto"),
      120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("Resuming from"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Epoch 1/1"), std::string::npos);
}

}  // namespace
}  // namespace mnist_dp::testing
