// `mnist_dp --version`: the program's version and build type, the MPI and
// HDF5 libraries loaded at run time, and the vector instructions of the
// products (the deterministic mode's bytes depend on them).
#include <gtest/gtest.h>

#include <regex>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

TEST(Version, NamesTheProgramTheLibrariesAndTheProducts) {
  const CommandResult r = run_command(MNIST_DP_BINARY " --version 2>&1", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(^mnist_dp \d+\.\d+\.\d+ \(\w+ build\)\n)")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nMPI: Open MPI v\d+\.\d+)"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nProducts: [\w -]+ vectors\n)")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nHDF5: \d+\.\d+\.\d+\n)"))) << r.output;
}

}  // namespace
}  // namespace mnist_dp::testing
