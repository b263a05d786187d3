// Helpers for end-to-end tests: run the real mnist_dp under mpirun on the
// real MNIST files and read back what it wrote.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace mnist_dp::testing {

// The mpirun command line prefix for n ranks (root-safe, oversubscribe allowed).
std::string mpirun(int ranks);
// "mpirun ... mnist_dp --config configs/mlp512.yaml" with the test data and
// no outputs, then `extra`: a test names every output it wants, inside its
// own temporary directory.
std::string train_command(int ranks, const std::string& extra);
// The MNIST directory used by the tests (data/mnist in the source tree).
std::string mnist_dir();
// The final parameters stored in a checkpoint.
std::vector<float> checkpoint_params(const std::string& path);
// Data rows of a metrics CSV, and the val_accuracy of its last row.
std::size_t metrics_rows(const std::string& csv_path);
double final_val_accuracy(const std::string& csv_path);
// Lines of output that start with "mnist_dp: error:".
std::vector<std::string> error_lines(const std::string& output);
// Every entry below `dir`: relative path -> file bytes, "-> target" for a
// symlink, "<dir>" for a directory, "<special file>" for a FIFO or device. The run lock file is
// left out: taking the lock rewrites its holder text, which is no user data.
std::map<std::string, std::string> tree_snapshot(const std::string& dir);

}  // namespace mnist_dp::testing
