// The tool commands next to training: export, evaluate and predict. Each runs
// in one process without MPI, parses its own flags and returns an exit code
// (see collective_status.hpp); errors are one "mnist_dp: error:" line.
#pragma once

namespace mnist_dp {

// mnist_dp export --checkpoint CKPT --out MODEL.h5
int run_export_command(int argc, char** argv);
// mnist_dp evaluate --model FILE [--dataset NAME] [--data DIR] [--examples DIR]
int run_evaluate_command(int argc, char** argv);
// mnist_dp predict --model FILE (IMAGE... | --idx IMAGES [--first N --count M]) [--csv OUT]
int run_predict_command(int argc, char** argv);

}  // namespace mnist_dp
