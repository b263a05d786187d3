// No user file is ever lost: outputs never replace inputs, checkpoints or
// files inside a checkpoint directory unless --overwrite says so; --resume
// never guesses silently; one run per checkpoint directory; a full disk, a
// FIFO or an impossible size fails with one line before anything is touched.
// Every case starts from a copy of a finished small run (checkpoints, metrics,
// config, data links, an image) and checks that each of those files is
// byte-identical afterwards.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

namespace fs = std::filesystem;

const char* const kMnistFiles[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

// The training command on the files of a run root: config.yaml, data/ (the
// MNIST files), ck/ (checkpoints) and metrics.csv. 512 images at
// batch 128: 4 steps per epoch.
std::string train(const std::string& root, const std::string& extra) {
  return mpirun(2) + MNIST_DP_BINARY " --config " + root + "/config.yaml --set data.dir=" + root +
         "/data --set data.train_limit=512 --set data.test_limit=100 --set training.epochs=3 "
         "--set output.checkpoint_dir=" +
         root + "/ck --set output.metrics=" + root + "/metrics.csv " + extra;
}

std::string tool(const std::string& args) { return std::string(MNIST_DP_BINARY " ") + args; }

// A 28x28 binary PGM of a bar, readable by `predict`.
std::string pgm_digit() {
  std::string pixels(28 * 28, '\0');
  for (int y = 4; y < 24; ++y) pixels[static_cast<std::size_t>(y * 28 + 14)] = '\xff';
  return "P5\n28 28\n255\n" + pixels;
}

// A root holding a finished 2-epoch run (checkpoints after steps 4 and 8),
// made once; every test works on its own copy.
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
  static std::string make_finished_run(const std::string& root) {
    write_file(root + "/config.yaml", read_file(MNIST_DP_SOURCE_DIR "/configs/mlp512.yaml"));
    fs::create_directories(root + "/data");
    // The cases aim outputs at the test-set files: copies, so that a build
    // whose guard fails can only damage the copies. The training files (47 MB)
    // are linked.
    for (const char* f : kMnistFiles) {
      const std::string name(f);
      if (name.rfind("t10k", 0) == 0) {
        fs::copy_file(mnist_dir() + "/" + name, root + "/data/" + name);
      } else {
        fs::create_symlink(mnist_dir() + "/" + name, root + "/data/" + name);
      }
    }
    write_file(root + "/digit.pgm", pgm_digit());
    write_file(root + "/notes.txt", "the user's own notes\n");
    const CommandResult r = run_command(train(root, "--set training.epochs=2"), 120);
    if (r.exit_code != 0 || !fs::exists(root + "/ck/ckpt-00000008.h5"))
      return "the run every test copies failed:\n" + r.output;
    return "";
  }
  static void TearDownTestSuite() { made_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(made_error_.empty()) << made_error_;
    fs::copy(made_->path(), root(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  std::string root() const { return dir_.path() + "/run"; }

  static std::unique_ptr<TempDir> made_;
  static std::string made_error_;
  TempDir dir_;
};
std::unique_ptr<TempDir> RunCopy::made_;
std::string RunCopy::made_error_;

struct OutputCase {
  const char* name;
  std::function<std::string(const std::string& root)> command;
  int exit_code;
  const char* needle;  // must appear in the one error line
  // Shell code that makes the case's bad input before the files are recorded.
  std::function<std::string(const std::string& root)> setup = nullptr;
};

// ctest lists a parameterised test with its parameter: print its name.
void PrintTo(const OutputCase& c, std::ostream* os) { *os << c.name; }

class OutputCatalogue : public RunCopy, public ::testing::WithParamInterface<OutputCase> {};

TEST_P(OutputCatalogue, FailsCleanlyAndLeavesEveryEarlierFileAsItWas) {
  if (GetParam().setup) {
    const CommandResult prepared = run_command(GetParam().setup(root()), 30);
    ASSERT_EQ(prepared.exit_code, 0) << prepared.output;
  }
  const auto before = tree_snapshot(root());
  const CommandResult r = run_command(GetParam().command(root()), 60);
  EXPECT_EQ(r.exit_code, GetParam().exit_code) << r.output;  // 124: a hang
  const std::vector<std::string> errors = error_lines(r.output);
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_NE(errors[0].find(GetParam().needle), std::string::npos) << errors[0];
  EXPECT_EQ(r.output.find("core dumped"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Epoch 1/"), std::string::npos) << "training started";
  EXPECT_TRUE(tree_snapshot(root()) == before) << "an earlier file changed:\n" << r.output;
}

std::string make_fifo(const std::string& r) { return "mkfifo " + r + "/fifo"; }
std::string copy_checkpoint(const std::string& r) {
  return "cp " + r + "/ck/ckpt-00000004.h5 " + r + "/saved.h5";
}
std::string resume_auto(const std::string& r, const std::string& extra) {
  return train(r, "--resume auto " + extra);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(Cases, OutputCatalogue, ::testing::Values(
    OutputCase{"FreshRunIntoADirectoryWithCheckpoints",
               [](const std::string& r) { return train(r, ""); },
               2, "already holds checkpoints (newest ckpt-00000008.h5)"},
    OutputCase{"MetricsInsideTheCheckpointDirectory",
               [](const std::string& r) { return resume_auto(r, "--set output.metrics=" + r + "/ck/m.csv"); },
               2, "is inside the checkpoint directory"},
    OutputCase{"MetricsOntoLatestH5",
               [](const std::string& r) { return resume_auto(r, "--set output.metrics=" + r + "/ck/latest.h5"); },
               2, "output.metrics: "},
    OutputCase{"MetricsOntoAnotherRunsCheckpoint",
               [](const std::string& r) {
                 return train(r, "--set output.checkpoint_dir=" + r + "/other --set output.metrics=" + r +
                                 "/ck/ckpt-00000004.h5");
               },
               2, "is inside the checkpoint directory"},
    OutputCase{"MetricsOntoADataFile",
               [](const std::string& r) {
                 return resume_auto(r, "--set output.metrics=" + r + "/data/t10k-labels-idx1-ubyte");
               },
               2, "is an input of this command"},
    OutputCase{"ProfileJsonOntoTheConfig",
               [](const std::string& r) { return resume_auto(r, "--profile-json " + r + "/config.yaml"); },
               2, "--profile-json: "},
    OutputCase{"ProfileJsonSameAsMetrics",
               [](const std::string& r) { return resume_auto(r, "--profile-json " + r + "/metrics.csv"); },
               2, "is also the output.metrics output"},
    OutputCase{"MetricsNamesADirectory",
               [](const std::string& r) { return resume_auto(r, "--set output.metrics=" + r + "/data"); },
               2, "is a directory"},
    OutputCase{"ProfileJsonUnwritable",
               [](const std::string& r) { return resume_auto(r, "--profile-json /proc/no/such/p.json"); },
               1, "--profile-json: /proc/no/such/p.json: cannot create its directory"},
    OutputCase{"MetricsUnderARegularFile",
               [](const std::string& r) { return resume_auto(r, "--set output.metrics=" + r + "/notes.txt/m.csv"); },
               1, "output.metrics: "},
    OutputCase{"CheckpointDirIsARegularFile",
               [](const std::string& r) { return train(r, "--set output.checkpoint_dir=" + r + "/notes.txt"); },
               1, "output.checkpoint_dir: cannot create or write this directory"},
    OutputCase{"EmptyResume",
               [](const std::string& r) { return train(r, "--resume \"\""); },
               2, "--resume: empty value"},
    OutputCase{"PositionalConfigAssignment",
               [](const std::string& r) { return resume_auto(r, "training.epochs=2"); },
               2, "unexpected argument 'training.epochs=2' (to override a config key: --set"},
    OutputCase{"ResumeAutoWithoutCheckpointDir",
               [](const std::string& r) { return resume_auto(r, "--set output.checkpoint_dir="); },
               2, "--resume auto: output.checkpoint_dir is empty"},
    OutputCase{"ResumeAutoWhenNoCheckpointLoads",
               [](const std::string& r) { return resume_auto(r, "--set output.checkpoint_dir=" + r + "/bad"); },
               3, "no checkpoint there can be resumed: latest.h5 is missing; ",
               [](const std::string& r) { return "mkdir " + r + "/bad && echo junk > " + r + "/bad/ckpt-00000005.h5"; }},
    OutputCase{"ResumeFromADirectoryWithoutCheckpoints",
               [](const std::string& r) { return train(r, "--resume " + r + "/data"); },
               3, "/data: --resume: holds no checkpoint"},
    OutputCase{"CheckpointDirectoryLockedByAnotherRun",
               [](const std::string& r) {
                 return "flock -o " + r + "/ck/.mnist_dp.lock sleep 10 > /dev/null 2>&1 & pid=$!; sleep 1; " +
                        resume_auto(r, "") + "; rc=$?; kill $pid; exit $rc";
               },
               1, "/ck: output.checkpoint_dir is in use by another run"},
    OutputCase{"LayerTooLargeForMemory",
               [](const std::string& r) {
                 return train(r, "--set output.checkpoint_dir=" + r + "/new --set model.layers.0.units=2000000");
               },
               2, "the run needs "},
    OutputCase{"LayerBeyondAnyMemory",
               [](const std::string& r) {
                 return train(r, "--set output.checkpoint_dir=" + r + "/new --set model.layers.0.units=100000000");
               },
               2, "the run needs "},
    OutputCase{"DataFileIsAFifo",
               [](const std::string& r) { return resume_auto(r, ""); },
               3, "is a FIFO (named pipe), not a regular file",
               [](const std::string& r) {
                 return make_fifo(r) + " && ln -sf " + r + "/fifo " + r + "/data/t10k-labels-idx1-ubyte";
               }},
    OutputCase{"ConfigIsAFifo",
               [](const std::string& r) { return mpirun(2) + MNIST_DP_BINARY " --config " + r + "/fifo"; },
               2, "cannot open config file (is a FIFO", make_fifo},
    OutputCase{"ResumeFileIsAFifo",
               [](const std::string& r) { return train(r, "--resume " + r + "/fifo"); },
               3, "is a FIFO (named pipe), not a regular file", make_fifo},
    OutputCase{"DuplicateKeyInTheConfig",
               [](const std::string& r) { return resume_auto(r, ""); },
               2, "training: duplicate key (lines",
               [](const std::string& r) { return "printf \"training:\\n  epochs: 1\\n\" >> " + r + "/config.yaml"; }},
    OutputCase{"AdamKeysLeftForSgd",
               [](const std::string& r) { return resume_auto(r, "--set optimizer.name=sgd"); },
               2, "optimizer.beta_1: does not apply to optimizer 'sgd'"},
    OutputCase{"PredictCsvOntoLatestH5",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck --idx " + r +
                             "/data/t10k-images-idx3-ubyte --count 2 --csv " + r + "/ck/latest.h5");
               },
               2, "--csv: "},
    OutputCase{"PredictCsvOntoAnotherCheckpoint",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck " + r + "/digit.pgm --csv " + r + "/ck/ckpt-00000004.h5");
               },
               2, "is inside the checkpoint directory"},
    OutputCase{"PredictCsvOntoACheckpointCopiedElsewhere",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck " + r + "/digit.pgm --csv " + r + "/saved.h5");
               },
               2, "is a checkpoint", copy_checkpoint},
    OutputCase{"PredictCsvOntoTheInputImage",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck " + r + "/digit.pgm --csv " + r + "/digit.pgm");
               },
               2, "is an input of this command"},
    OutputCase{"PredictCsvOntoTheIdxInput",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck --idx " + r + "/data/t10k-images-idx3-ubyte --csv " +
                             r + "/data/t10k-images-idx3-ubyte");
               },
               2, "is an input of this command"},
    OutputCase{"PredictCsvIsADirectory",
               [](const std::string& r) {
                 return tool("predict --model " + r + "/ck " + r + "/digit.pgm --csv " + r + "/data");
               },
               2, "is a directory"},
    OutputCase{"PredictModelIsAFifo",
               [](const std::string& r) { return tool("predict --model " + r + "/fifo " + r + "/digit.pgm"); },
               3, "is a FIFO", make_fifo},
    OutputCase{"PredictImageIsAFifo",
               [](const std::string& r) { return tool("predict --model " + r + "/ck " + r + "/fifo"); },
               3, "is a FIFO", make_fifo},
    OutputCase{"ExportOntoACheckpoint",
               [](const std::string& r) {
                 return tool("export --checkpoint " + r + "/ck --out " + r + "/ck/ckpt-00000004.h5");
               },
               2, "--out: "},
    OutputCase{"ExportOntoLatestH5",
               [](const std::string& r) {
                 return tool("export --checkpoint " + r + "/ck/ckpt-00000004.h5 --out " + r + "/ck/latest.h5");
               },
               2, "--out: "},
    OutputCase{"ExportNewFileIntoTheCheckpointDirectory",
               [](const std::string& r) { return tool("export --checkpoint " + r + "/ck --out " + r + "/ck/model.h5"); },
               2, "is inside the checkpoint directory"},
    OutputCase{"ExportOntoItsOwnInput",
               [](const std::string& r) {
                 return tool("export --checkpoint " + r + "/saved.h5 --out " + r + "/saved.h5 --overwrite");
               },
               2, "is an input of this command", copy_checkpoint},
    OutputCase{"ExportStrayArgument",
               [](const std::string& r) { return tool("export --checkpoint " + r + "/ck --out " + r + "/m.h5 extra"); },
               2, "unexpected argument 'extra'"},
    OutputCase{"EvaluateExamplesIntoTheCheckpointDirectory",
               [](const std::string& r) {
                 return tool("evaluate --model " + r + "/ck --data " + r + "/data --examples " + r + "/ck");
               },
               2, "--examples: "}),
    [](const auto& test) { return std::string(test.param.name); });
// clang-format on

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
