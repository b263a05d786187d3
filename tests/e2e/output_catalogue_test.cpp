// No user file is ever lost: each case aims an output at an input, a
// checkpoint or a file inside a checkpoint directory, or gives a FIFO, an
// impossible size or a bad resume, and must fail with one line before
// anything is touched: every file of the run copy is byte-identical afterwards.
#include <functional>
#include <ostream>

#include "run_copy.hpp"

namespace mnist_dp::testing {
namespace {

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

}  // namespace
}  // namespace mnist_dp::testing
