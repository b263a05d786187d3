// Implementation of the end-to-end test helpers.
#include "e2e_support.hpp"

#include <filesystem>
#include <sstream>

#include "mnist_dp/io/checkpoint.hpp"

namespace mnist_dp::testing {

std::string mpirun(int ranks) {
  return std::string(MNIST_DP_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " +
         std::to_string(ranks) + " ";
}

std::string mnist_dir() { return MNIST_DP_SOURCE_DIR "/data/mnist"; }

std::string train_command(int ranks, const std::string& extra) {
  return mpirun(ranks) +
         MNIST_DP_BINARY " --config " MNIST_DP_SOURCE_DIR "/configs/mlp512.yaml --set data.dir=" +
         mnist_dir() + " --set output.checkpoint_dir= --set output.metrics= " + extra;
}

std::vector<float> checkpoint_params(const std::string& path) {
  return read_checkpoint(path).params;
}

namespace {

std::vector<std::string> csv_rows(const std::string& csv_path) {
  std::vector<std::string> rows;
  std::istringstream in(read_file(csv_path));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) rows.push_back(line);
  return rows;
}

}  // namespace

std::size_t metrics_rows(const std::string& csv_path) { return csv_rows(csv_path).size(); }

double final_val_accuracy(const std::string& csv_path) {
  const std::vector<std::string> rows = csv_rows(csv_path);
  if (rows.empty()) return -1;
  // epoch,loss,accuracy,val_loss,val_accuracy,...
  std::istringstream row(rows.back());
  std::string field;
  for (int i = 0; i < 5; ++i) std::getline(row, field, ',');
  return std::stod(field);
}

std::vector<std::string> error_lines(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("mnist_dp: error:", 0) == 0) lines.push_back(line);
  }
  return lines;
}

std::map<std::string, std::string> tree_snapshot(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> entries;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    if (e.path().filename() == ".mnist_dp.lock") continue;
    if (e.is_symlink()) {
      entries[rel] = "-> " + fs::read_symlink(e.path()).string();
    } else if (e.is_directory()) {
      entries[rel] = "<dir>";
    } else if (e.is_regular_file()) {
      entries[rel] = read_file(e.path().string());
    } else {
      entries[rel] = "<special file>";  // a FIFO: reading it would block
    }
  }
  return entries;
}

}  // namespace mnist_dp::testing
