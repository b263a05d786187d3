// What `mnist_dp --version` prints.
#pragma once

#include <string>

namespace mnist_dp {

// The program's version and build type, the MPI and HDF5 libraries it runs
// with, and the vector instructions of its products (which the deterministic
// mode's bytes depend on); one "name: value" line each.
std::string version_text();

}  // namespace mnist_dp
