// The collective watchdog's verdict names exactly the ranks that never
// reported waiting, and where the waiting ranks were.
#include "mnist_dp/comm/stall_report.hpp"

#include <gtest/gtest.h>

namespace mnist_dp {
namespace {

TEST(StallReport, NamesTheRankThatNeverArrived) {
  const std::vector<std::optional<WaitingAt>> waiting = {WaitingAt{42, "reduce_scatter"},
                                                         std::nullopt};
  EXPECT_EQ(describe_stall(waiting, 30),
            "collective watchdog: rank 1 did not reach collective #42 (reduce_scatter) within "
            "30 s; rank 0 was waiting there; aborting the run");
}

TEST(StallReport, NamesSeveralMissingRanks) {
  const std::vector<std::optional<WaitingAt>> waiting = {std::nullopt, WaitingAt{7, "allreduce"},
                                                         std::nullopt, WaitingAt{7, "allreduce"}};
  EXPECT_EQ(describe_stall(waiting, 2.5),
            "collective watchdog: ranks 0, 2 did not reach collective #7 (allreduce) within "
            "2.5 s; ranks 1, 3 were waiting there; aborting the run");
}

TEST(StallReport, SaysWhereEachRankWaitsWhenTheyDisagree) {
  const std::vector<std::optional<WaitingAt>> waiting = {WaitingAt{9, "allreduce"},
                                                         WaitingAt{10, "broadcast"}, std::nullopt};
  EXPECT_EQ(describe_stall(waiting, 60),
            "collective watchdog: rank 2 did not reach collective #9 (allreduce) within 60 s; "
            "rank 0 waits in collective #9 (allreduce); rank 1 waits in collective #10 "
            "(broadcast); aborting the run");
}

TEST(StallReport, AllWaitingButStuck) {
  const std::vector<std::optional<WaitingAt>> waiting = {WaitingAt{3, "barrier"},
                                                         WaitingAt{3, "barrier"}};
  EXPECT_EQ(describe_stall(waiting, 1),
            "collective watchdog: every rank is waiting, but the collective did not complete "
            "within 1 s; ranks 0, 1 were waiting there; aborting the run");
}

}  // namespace
}  // namespace mnist_dp
