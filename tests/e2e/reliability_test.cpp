// Runs that end early: SIGTERM to the ranks (what Slurm sends on preemption)
// makes all ranks checkpoint at the same step boundary and exit with code 5; a
// SIGKILLed rank ends the job within seconds, also while writing a checkpoint;
// a non-finite loss or gradient, or an overflowed update, stops every rank
// with exit 4; a rank frozen with SIGSTOP is named by the collective watchdog,
// which ends the job with exit 6. Resuming (`--resume auto`) then finishes
// bit-identical to an uninterrupted run.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>
#include <sstream>

#include "e2e_support.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/checkpoint.hpp"

namespace mnist_dp::testing {
namespace {

// 12800 images at batch 128: 100 steps per epoch, 3000 in all (~10 s at -np 2).
const std::string kLongRun =
    "--set data.train_limit=12800 --set data.test_limit=500 --set training.epochs=30 "
    "--set output.metrics= --set output.checkpoint_every_epochs=10 ";

// Shell code that waits (up to 60 s) until `path` exists: the run is under way
// and has a checkpoint, however slowly the machine started it.
std::string wait_for_file(const std::string& path) {
  return "for i in $(seq 600); do [ -e " + path + " ] && break; sleep 0.1; done; ";
}

// Shell code that sets $`var` to the process of MPI rank `rank` among the
// children of mpirun ($pid), found by the OMPI_COMM_WORLD_RANK in its
// environment.
std::string find_rank_process(int rank, const std::string& var) {
  return "for p in $(pgrep -P $pid); do grep -qxz OMPI_COMM_WORLD_RANK=" + std::to_string(rank) +
         " /proc/$p/environ && " + var + "=$p; done; ";
}

// Shell code around an event: kStartClock before it, kPrintClock once the job
// has ended; elapsed_seconds then reads the time between them from the output.
const std::string kStartClock = "start=$(date +%s.%N); ";
const std::string kPrintClock = "echo \"ELAPSED_SECONDS $(date +%s.%N) $start\"; ";

std::optional<double> elapsed_seconds(const std::string& output) {
  const std::size_t at = output.find("ELAPSED_SECONDS ");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream times(output.substr(at + 16));
  double end = 0, start = 0;
  times >> end >> start;
  return end - start;
}

// The parameters of the uninterrupted kLongRun, computed once for the suite.
class Interrupted : public ::testing::Test {
 protected:
  // `run --resume auto` finishes the interrupted run in `dir` bit-identically
  // to the uninterrupted one.
  static void expect_exact_resume(const std::string& run, const std::string& dir) {
    const CommandResult resumed = run_command(run + " --resume auto", 300);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
    EXPECT_NE(resumed.output.find("Resuming from"), std::string::npos) << resumed.output;
    EXPECT_TRUE(*reference_ == checkpoint_params(dir + "/latest.h5"))
        << "the resumed run differs from the uninterrupted one";
  }

  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const CommandResult straight = run_command(
        train_command(2, kLongRun + "--set output.checkpoint_dir=" + dir_->file("reference")), 300);
    // ctest reports tests whose suite set-up failed as skipped: fail each test instead.
    if (straight.exit_code != 0) {
      setup_error_ = "the uninterrupted reference run failed:\n" + straight.output;
      return;
    }
    reference_ = new std::vector<float>(checkpoint_params(dir_->file("reference/latest.h5")));
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }
  static void TearDownTestSuite() {
    delete reference_;
    delete dir_;
  }
  static TempDir* dir_;
  static std::vector<float>* reference_;
  static std::string setup_error_;
};

TempDir* Interrupted::dir_ = nullptr;
std::vector<float>* Interrupted::reference_ = nullptr;
std::string Interrupted::setup_error_;

TEST_F(Interrupted, SigtermCheckpointsAndResumeFinishesBitExactly) {
  // Start the run, then send SIGTERM to the ranks (mpirun's children).
  const std::string run_b = train_command(2, kLongRun +
                                                 "--set output.checkpoint_every_steps=100 "
                                                 "--set output.checkpoint_dir=" +
                                                 dir_->file("sigterm"));
  const CommandResult stopped =
      run_command("( " + run_b + " ) & pid=$!; " + wait_for_file(dir_->file("sigterm/latest.h5")) +
                      "pkill -TERM -P $pid; wait $pid; exit $?",
                  300);
  EXPECT_EQ(stopped.exit_code, 5) << stopped.output;
  const std::vector<std::string> errors = error_lines(stopped.output);
  ASSERT_EQ(errors.size(), 1u) << stopped.output;
  EXPECT_NE(errors[0].find("stopped by a signal"), std::string::npos) << errors[0];
  const Checkpoint at_stop = read_checkpoint(dir_->file("sigterm/latest.h5"));
  EXPECT_GT(at_stop.progress.global_step, 0u);
  EXPECT_LT(at_stop.progress.global_step, 3000u) << "the run finished before the signal";
  std::printf("stopped at global step %llu\n",
              static_cast<unsigned long long>(at_stop.progress.global_step));
  expect_exact_resume(run_b, dir_->file("sigterm"));
}

// SIGKILL to one rank mid-run: mpirun must end the job quickly with a non-zero
// exit, and resuming from the last checkpoint finishes bit-identically.
TEST_F(Interrupted, KilledRankEndsTheRunQuicklyAndResumeIsExact) {
  const std::string run_c = train_command(2, kLongRun +
                                                 "--set output.checkpoint_every_steps=100 "
                                                 "--set output.checkpoint_dir=" +
                                                 dir_->file("killed"));
  const CommandResult killed = run_command(
      "( " + run_c + " ) & pid=$!; sleep 3; victim=$(pgrep -n -P $pid); " + kStartClock +
          "kill -KILL $victim; wait $pid; rc=$?; " + kPrintClock + "exit $rc",
      120);
  EXPECT_NE(killed.exit_code, 0) << killed.output;
  EXPECT_NE(killed.exit_code, 124) << "the run hung after a rank died";
  const std::optional<double> seconds = elapsed_seconds(killed.output);
  ASSERT_TRUE(seconds) << killed.output;
  std::printf("mpirun ended %.2f s after one rank was killed\n", *seconds);
  EXPECT_LT(*seconds, 10.0);
  expect_exact_resume(run_c, dir_->file("killed"));
}

// SIGKILL to rank 0 while it is writing a checkpoint (it writes one every
// step, and the kill waits for a .tmp file to appear): latest.h5 still names a
// complete, loadable checkpoint, and resuming from it finishes bit-identically.
TEST_F(Interrupted, RankKilledMidCheckpointWriteLeavesTheLastCheckpointWhole) {
  const std::string dir = dir_->file("torn");
  const std::string run = train_command(2, kLongRun +
                                               "--set output.keep_checkpoints=2 "
                                               "--set output.checkpoint_dir=" +
                                               dir);
  const CommandResult killed = run_command(
      "( exec " + run + " --set output.checkpoint_every_steps=1 ) & pid=$!; " +
          wait_for_file(dir + "/latest.h5") + find_rank_process(0, "writer") + "until ls " + dir +
          "/*.tmp > /dev/null 2>&1; do :; done; kill -KILL $writer; "
          "wait $pid; rc=$?; ls " +
          dir + "; exit $rc",
      120);
  EXPECT_NE(killed.exit_code, 0) << killed.output;
  EXPECT_NE(killed.exit_code, 124) << "the run hung after rank 0 died";
  const Checkpoint last = read_checkpoint(dir + "/latest.h5");  // throws if torn
  EXPECT_GT(last.progress.global_step, 0u);
  // What the kill interrupted stays a .tmp: torn (refused by the seal) or, if
  // the kill came between sealing and the rename, complete but never named.
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".tmp") continue;
    std::string verdict = "complete";
    try {
      read_checkpoint(entry.path().string());
    } catch (const DataError& e) {
      verdict = e.what();
    }
    std::printf("killed after step %llu; left %s (%zu bytes): %s\n",
                static_cast<unsigned long long>(last.progress.global_step),
                entry.path().filename().c_str(), static_cast<std::size_t>(entry.file_size()),
                verdict.c_str());
  }
  expect_exact_resume(run, dir);
}

// Divergence: a short epoch is trained into run/, then a run resumed from it
// (or from a poisoned copy) must stop every rank with exit 4 and one message,
// leaving run/latest.h5 byte-identical.
class Diverged : public ::testing::Test {
 protected:
  void SetUp() override {
    const CommandResult made = run_command(
        train_command(2,
                      "--set data.train_limit=1280 --set data.test_limit=200 "
                      "--set training.epochs=1 --set output.metrics= --set output.checkpoint_dir=" +
                          dir_.file("run")),
        120);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    good_ = read_file(dir_.file("run/latest.h5"));
    checkpoint_ = read_checkpoint(dir_.file("run/latest.h5"));
  }

  const ParamTensor& tensor(const std::string& name) const {
    for (const ParamTensor& t : checkpoint_.tensors) {
      if (t.name == name) return t;
    }
    throw std::runtime_error("no tensor " + name);
  }

  // Writes checkpoint_ (after the test changed it) to poisoned.h5.
  std::string poisoned() const {
    write_checkpoint(dir_.file("poisoned.h5"), checkpoint_);
    return dir_.file("poisoned.h5");
  }

  // Resumes from `from` for a second epoch with `extra` settings and checks
  // the stop: exit 4, one error line containing `needle`, run/ untouched.
  void expect_stop(const std::string& from, const std::string& extra, const std::string& needle) {
    const CommandResult r =
        run_command(mpirun(2) + MNIST_DP_BINARY " --resume " + from +
                        " --set training.epochs=2 --set output.checkpoint_dir=" + dir_.file("run") +
                        " " + extra,
                    120);
    EXPECT_EQ(r.exit_code, 4) << r.output;
    const std::vector<std::string> errors = error_lines(r.output);
    ASSERT_EQ(errors.size(), 1u) << r.output;
    EXPECT_NE(errors[0].find(needle), std::string::npos) << errors[0];
    EXPECT_TRUE(read_file(dir_.file("run/latest.h5")) == good_)
        << "the last good checkpoint changed";
  }

  TempDir dir_;
  std::string good_;
  Checkpoint checkpoint_;
};

// A NaN in an output bias makes the first loss non-finite.
TEST_F(Diverged, NonFiniteLossStopsAllRanksAndKeepsTheLastGoodCheckpoint) {
  checkpoint_.params.back() = std::numeric_limits<float>::quiet_NaN();
  expect_stop(poisoned(), "", "non-finite loss at epoch 2 step 1");
}

// The loss stays finite but one gradient overflows: unit 0 of the first
// hidden layer gets a bias of 2.5e38 (3.1e38 after dropout's scaling, still
// finite) and zero outgoing weights, so the forward pass never sees it, while
// its kernel gradient in the second layer (activation times the
// backpropagated error) overflows; the output kernel is scaled by 1e4 so that
// error is large. Every rank stops before the update.
TEST_F(Diverged, NonFiniteGradientStopsAllRanksBeforeTheUpdate) {
  checkpoint_.params[tensor("dense/bias").offset] = 2.5e38f;
  const ParamTensor& w2 = tensor("dense_1/kernel");
  std::fill_n(checkpoint_.params.begin() + static_cast<std::ptrdiff_t>(w2.offset), w2.cols, 0.0f);
  const ParamTensor& w3 = tensor("dense_2/kernel");
  for (std::size_t i = 0; i < w3.size(); ++i) checkpoint_.params[w3.offset + i] *= 1e4f;
  expect_stop(poisoned(), "", "non-finite gradient at epoch 2 step 1");
}

// An update that overflows the parameters to infinity while the loss and the
// gradient are still finite (resuming Adam at a learning rate of 1e39, beyond
// float range). With a checkpoint due after every step, the infinite
// parameters must not replace the last good checkpoint.
TEST_F(Diverged, OverflowingUpdateIsNeverCheckpointed) {
  expect_stop(dir_.file("run"),
              "--set optimizer.learning_rate=1e39 --set output.checkpoint_every_steps=1",
              "training diverged: non-finite parameters after global step 11");
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

// SIGSTOP freezes one rank mid-run: the others time out in their next
// collective, the lowest waiting rank names the frozen one in one line, and
// the job ends with exit 6 instead of hanging.
struct FrozenRank {
  int ranks;
  int victim;
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const FrozenRank& c, std::ostream* os) {
  *os << "np" << c.ranks << " rank" << c.victim;
}

class Watchdog : public ::testing::TestWithParam<FrozenRank> {};

TEST_P(Watchdog, NamesTheFrozenRankAndEndsTheJob) {
  const auto [ranks, victim] = GetParam();
  TempDir dir;
  const std::string run = train_command(ranks, kLongRun +
                                                   "--set training.collective_timeout_s=2 "
                                                   "--set output.checkpoint_every_steps=100 "
                                                   "--set output.checkpoint_dir=" +
                                                   dir.file("run"));
  const CommandResult r =
      run_command("( exec " + run + " ) & pid=$!; " + wait_for_file(dir.file("run/latest.h5")) +
                      find_rank_process(victim, "victim") + kStartClock +
                      "kill -STOP $victim; wait $pid; rc=$?; " + kPrintClock +
                      "kill -CONT $victim 2>/dev/null; exit $rc",
                  120);
  EXPECT_EQ(r.exit_code, 6) << r.output;
  const std::vector<std::string> errors = error_lines(r.output);
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_NE(errors[0].find("collective watchdog: rank " + std::to_string(victim) +
                           " did not reach collective #"),
            std::string::npos)
      << errors[0];
  const std::optional<double> seconds = elapsed_seconds(r.output);
  ASSERT_TRUE(seconds) << r.output;
  std::printf("%s\njob ended %.2f s after rank %d froze (timeout 2 s)\n", errors[0].c_str(),
              *seconds, victim);
  EXPECT_LT(*seconds, 10.0);
}

INSTANTIATE_TEST_SUITE_P(Reliability, Watchdog,
                         ::testing::Values(FrozenRank{2, 1}, FrozenRank{3, 0}),
                         [](const auto& test) {
                           return "np" + std::to_string(test.param.ranks) + "_rank" +
                                  std::to_string(test.param.victim);
                         });

}  // namespace
}  // namespace mnist_dp::testing
