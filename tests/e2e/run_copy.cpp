// The output-safety fixture: the finished run every test copies.
#include "run_copy.hpp"

#include <filesystem>

namespace mnist_dp::testing {
namespace {

namespace fs = std::filesystem;

const char* const kMnistFiles[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

// A 28x28 binary PGM of a bar, readable by `predict`.
std::string pgm_digit() {
  std::string pixels(28 * 28, '\0');
  for (int y = 4; y < 24; ++y) pixels[static_cast<std::size_t>(y * 28 + 14)] = '\xff';
  return "P5\n28 28\n255\n" + pixels;
}

}  // namespace

std::string train(const std::string& root, const std::string& extra) {
  return mpirun(2) + MNIST_DP_BINARY " --config " + root + "/config.yaml --set data.dir=" + root +
         "/data --set data.train_limit=512 --set data.test_limit=100 --set training.epochs=3 "
         "--set output.checkpoint_dir=" +
         root + "/ck --set output.metrics=" + root + "/metrics.csv " + extra;
}

std::string tool(const std::string& args) { return std::string(MNIST_DP_BINARY " ") + args; }

std::string resume_auto(const std::string& root, const std::string& extra) {
  return train(root, "--resume auto " + extra);
}

std::unique_ptr<TempDir> RunCopy::made_;
std::string RunCopy::made_error_;

std::string RunCopy::make_finished_run(const std::string& root) {
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

}  // namespace mnist_dp::testing
