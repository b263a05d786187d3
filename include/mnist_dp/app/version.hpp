// What `mnist_dp --version` prints.
#pragma once

#include <string>

namespace mnist_dp {

// The program's version and build type, and the MPI, OpenBLAS (with the
// kernel family in use, which the deterministic mode's bytes depend on) and
// HDF5 libraries it runs with; one "name: value" line each.
std::string version_text();

}  // namespace mnist_dp
