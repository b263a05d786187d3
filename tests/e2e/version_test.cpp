// `mnist_dp --version`: the program's version and build type, and the MPI,
// OpenBLAS and HDF5 libraries loaded at run time, with the OpenBLAS kernel
// family actually in use (it follows OPENBLAS_CORETYPE).
#include <gtest/gtest.h>

#include <regex>

#include "e2e_support.hpp"

namespace mnist_dp::testing {
namespace {

TEST(Version, NamesTheProgramAndEveryLibrary) {
  const CommandResult r = run_command(MNIST_DP_BINARY " --version 2>&1", 60);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(^mnist_dp \d+\.\d+\.\d+ \(\w+ build\)\n)")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nMPI: Open MPI v\d+\.\d+)"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nOpenBLAS: OpenBLAS \d+\.\d+\.\d+)")))
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(\nHDF5: \d+\.\d+\.\d+\n)"))) << r.output;
}

TEST(Version, ReportsTheKernelsInUse) {
  for (const char* core : {"Haswell", "Sandybridge"}) {
    const CommandResult r = run_command(
        std::string("OPENBLAS_CORETYPE=") + core + " " MNIST_DP_BINARY " --version 2>&1", 60);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(std::string("kernels in use: ") + core), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace mnist_dp::testing
