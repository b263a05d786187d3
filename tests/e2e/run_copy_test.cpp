// Output safety beyond the catalogue: resume fallbacks that say why,
// --overwrite replacing checkpoints only once a new one is written, the run
// lock, the evaluation-batch cap, symlinked outputs, a full disk and Ctrl-C.
// Each test works on its own copy of a finished small run.
#include "run_copy.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

namespace mnist_dp::testing {
namespace {

namespace fs = std::filesystem;

// The last line of `output` that contains `needle` ("" if none).
std::string line_with(const std::string& output, const std::string& needle) {
  const std::size_t at = output.find(needle);
  if (at == std::string::npos) return "";
  const std::size_t begin = output.rfind('\n', at) + 1;
  return output.substr(begin, output.find('\n', at) - begin);
}

TEST_F(RunCopy, ResumeAutoPassesOverADanglingLatestAndSaysWhy) {
  fs::remove(root() + "/ck/ckpt-00000008.h5");  // latest.h5 now dangles
  const CommandResult r = run_command(train(root(), "--resume auto"), 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("latest.h5 is dangling (it points to ckpt-00000008.h5"),
            std::string::npos)
      << r.output;
  EXPECT_NE(line_with(r.output, "Resuming from").find("ckpt-00000004.h5 at epoch 2, step 0"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("Epoch 1/"), std::string::npos) << "started from epoch 1";
}

TEST_F(RunCopy, ResumeAutoPassesOverACorruptLatestAndNamesTheFault) {
  write_file(root() + "/ck/ckpt-00000008.h5", "torn");
  const CommandResult r = run_command(train(root(), "--resume auto"), 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("latest.h5 cannot be used ("), std::string::npos) << r.output;
  EXPECT_NE(line_with(r.output, "Resuming from").find("ckpt-00000004.h5"), std::string::npos)
      << r.output;
}

TEST_F(RunCopy, ResumeAutoInADirectoryWithoutCheckpointsSaysItStartsFresh) {
  const CommandResult r = run_command(
      train(root(), "--resume auto --set output.checkpoint_dir=" + root() + "/new"), 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(root() + "/new holds no checkpoint; starting fresh"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Epoch 1/3"), std::string::npos) << r.output;
}

TEST_F(RunCopy, OverwriteReplacesTheOldCheckpointsOnlyOnceANewOneIsWritten) {
  // Fails at the data: the old checkpoints must all survive.
  const auto before = tree_snapshot(root() + "/ck");
  const CommandResult failed =
      run_command(train(root(), "--overwrite --set data.dir=" + root() + "/nowhere"), 60);
  EXPECT_EQ(failed.exit_code, 3) << failed.output;
  EXPECT_TRUE(tree_snapshot(root() + "/ck") == before);

  const CommandResult r = run_command(train(root(), "--overwrite --set training.epochs=1"), 120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(fs::exists(root() + "/ck/ckpt-00000008.h5")) << "the old run's newest survived";
  EXPECT_EQ(fs::read_symlink(root() + "/ck/latest.h5").string(), "ckpt-00000004.h5");
  EXPECT_EQ(checkpoint_params(root() + "/ck/latest.h5").size(), 669706u);
}

TEST_F(RunCopy, SecondRunOnTheSameDirectoryIsRefusedNamingTheHolder) {
  const std::string first = train(root(), "--resume auto --set training.epochs=400");
  // The second run starts once the first prints an epoch line: by then it
  // holds the lock. (Probing with flock would take the lock for a moment and
  // could make the first run fail instead.)
  const std::string log = root() + "/first.log";
  const CommandResult r = run_command(
      first + " > " + log + " 2>&1 & pid=$!; " + "for i in $(seq 600); do grep -q ^Epoch " + log +
          " && break; sleep 0.1; done; " + train(root(), "--resume auto") +
          "; rc=$?; kill -USR1 $pid; wait; exit $rc",
      120);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::vector<std::string> errors = error_lines(r.output);
  ASSERT_EQ(errors.size(), 1u) << r.output;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  EXPECT_NE(errors[0].find("output.checkpoint_dir is in use by another run (host " +
                           std::string(host) + ", pid "),
            std::string::npos)
      << errors[0];
}

TEST_F(RunCopy, LockLeftByAKilledRunDoesNotBlockTheNext) {
  write_file(root() + "/ck/.mnist_dp.lock", "host elsewhere, pid 999999\n");
  const CommandResult r = run_command(train(root(), "--resume auto"), 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(RunCopy, HugeEvaluationBatchIsCappedAtTheTestSet) {
  const CommandResult r =
      run_command(train(root(), "--resume auto --set training.eval_batch_size=1000000000000"), 120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Epoch 3/3"), std::string::npos) << r.output;
}

TEST_F(RunCopy, CsvOntoASymlinkReplacesTheLinkNotItsTarget) {
  fs::create_symlink(root() + "/notes.txt", root() + "/link.csv");
  const CommandResult r = run_command(tool("predict --model " + root() + "/ck " + root() +
                                           "/digit.pgm --csv " + root() + "/link.csv"),
                                      60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(root() + "/notes.txt"), "the user's own notes\n");
  EXPECT_FALSE(fs::is_symlink(root() + "/link.csv"));
  EXPECT_EQ(read_file(root() + "/link.csv").rfind("name,predicted,p0", 0), 0u);
}

// A file system of `megabytes` mounted at <dir>/small for the test's life.
class SmallDisk {
 public:
  SmallDisk(const std::string& dir, int megabytes) : path_(dir + "/small") {
    fs::create_directories(path_);
    const std::string options = "size=" + std::to_string(megabytes) + "m";
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount(path_.c_str());
  }
  bool mounted() const { return mounted_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool mounted_ = false;
};

TEST_F(RunCopy, FullDiskNamesTheReasonAndKeepsTheEarlierCheckpoint) {
  // An mlp512 checkpoint is about 8 MiB: the first fits, the second does not.
  SmallDisk disk(dir_.path(), 12);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  const CommandResult r =
      run_command(train(root(), "--set output.checkpoint_dir=" + disk.path() +
                                    "/ck --set output.metrics=" + disk.path() + "/metrics.csv"),
                  120);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::vector<std::string> errors = error_lines(r.output);
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_NE(
      errors[0].find("/ck/ckpt-00000008.h5: cannot write checkpoint: No space left on device"),
      std::string::npos)
      << errors[0];
  EXPECT_EQ(r.output.find("Segmentation"), std::string::npos) << r.output;
  EXPECT_EQ(checkpoint_params(disk.path() + "/ck/latest.h5").size(), 669706u);
  for (const auto& e : fs::directory_iterator(disk.path() + "/ck")) {
    if (e.path().filename() == ".mnist_dp.lock") continue;
    EXPECT_EQ(e.path().extension(), ".h5") << "stray file " << e.path();
  }
}

TEST_F(RunCopy, DiskTooSmallForOneCheckpointIsRefusedBeforeTraining) {
  SmallDisk disk(dir_.path(), 2);
  if (!disk.mounted()) GTEST_SKIP() << "mounting a tmpfs needs root";
  const CommandResult r =
      run_command(train(root(), "--set output.checkpoint_dir=" + disk.path() + "/ck"), 60);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const std::vector<std::string> errors = error_lines(r.output);
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_NE(errors[0].find("output.checkpoint_dir: a checkpoint needs about"), std::string::npos)
      << errors[0];
  EXPECT_EQ(r.output.find("Epoch 1/"), std::string::npos) << r.output;
}

// Ctrl-C in a terminal signals its whole foreground process group.
TEST_F(RunCopy, CtrlCToRunLocalCheckpointsAndExitsFive) {
  const std::string run = "MNIST_DP_BINARY=" MNIST_DP_BINARY " bash " MNIST_DP_SOURCE_DIR
                          "/launch/run_local.sh -n 2 --oversubscribe --config " +
                          root() + "/config.yaml --set data.dir=" + root() +
                          "/data --set training.epochs=400 --set data.train_limit=512 "
                          "--set output.checkpoint_dir=" +
                          root() + "/ctrlc";
  const CommandResult r =
      run_command("setsid env --default-signal=INT bash -c \"" + run + "; echo EXIT \\$?\" & " +
                      "for i in $(seq 600); do [ -e " + root() +
                      "/ctrlc/latest.h5 ] && break; sleep 0.1; done; " +
                      "kill -INT -$(ps -o pgid= $! | tr -d \" \"); wait",
                  120);
  EXPECT_NE(r.output.find("EXIT 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("stopped by a signal"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace mnist_dp::testing
