// run_collectively: a failed allocation becomes one clear error and exit 1,
// never a bare std::bad_alloc.
#include "mnist_dp/comm/collective_status.hpp"

#include <gtest/gtest.h>

#include <new>

#include "mnist_dp/comm/local_communicator.hpp"

namespace mnist_dp {
namespace {

TEST(CollectiveStatus, FailedAllocationIsReportedAsOutOfMemory) {
  LocalCommunicator comm;
  ::testing::internal::CaptureStderr();
  try {
    run_collectively(comm, kExitUsage, [] { throw std::bad_alloc(); });
    FAIL() << "no RunFailure";
  } catch (const RunFailure& failure) {
    EXPECT_EQ(failure.exit_code(), kExitRuntimeError);
  }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, std::string("mnist_dp: error: ") + kOutOfMemoryMessage + "\n");
}

TEST(CollectiveStatus, OtherErrorsKeepThePhaseExitCode) {
  LocalCommunicator comm;
  ::testing::internal::CaptureStderr();
  try {
    run_collectively(comm, kExitDataError, [] { throw std::runtime_error("x.idx: truncated"); });
    FAIL() << "no RunFailure";
  } catch (const RunFailure& failure) {
    EXPECT_EQ(failure.exit_code(), kExitDataError);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "mnist_dp: error: x.idx: truncated\n");
}

}  // namespace
}  // namespace mnist_dp
