// MpiCommunicator under mpirun (-np 2 and 4): collectives (allreduce,
// reduce-scatter + allgather of uneven blocks, min/max, broadcast) give the
// right values on every rank, and agree_or_fail stops all ranks when one fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/comm/mpi_communicator.hpp"

namespace mnist_dp {
namespace {

MpiCommunicator* comm = nullptr;

TEST(MpiCommunicator, AllreduceSumsFloatsAndDoubles) {
  const int n = comm->size();
  std::vector<float> f(1000);
  for (std::size_t i = 0; i < f.size(); ++i)
    f[i] = static_cast<float>(comm->rank() + 1) * static_cast<float>(i);
  comm->allreduce_sum(f);
  const float ranks_sum = static_cast<float>(n * (n + 1) / 2);
  for (std::size_t i = 0; i < f.size(); ++i) ASSERT_EQ(f[i], ranks_sum * static_cast<float>(i));
  std::vector<double> d{0.5 * comm->rank(), 1.0};
  comm->allreduce_sum(d);
  EXPECT_DOUBLE_EQ(d[0], 0.5 * n * (n - 1) / 2);
  EXPECT_DOUBLE_EQ(d[1], n);
}

// 1003 elements do not split evenly over 2 or 4 ranks.
TEST(MpiCommunicator, ReduceScatterThenAllgatherEqualsAllreduce) {
  const int n = comm->size();
  std::vector<float> grads(1003);
  for (std::size_t i = 0; i < grads.size(); ++i)
    grads[i] = static_cast<float>(comm->rank() + 1) * static_cast<float>(i % 97);
  const Block block = block_of(grads.size(), comm->rank(), n);
  std::vector<float> mine(block.size());
  comm->reduce_scatter_sum(grads, mine);
  const float ranks_sum = static_cast<float>(n * (n + 1) / 2);
  for (std::size_t i = 0; i < mine.size(); ++i)
    ASSERT_EQ(mine[i], ranks_sum * static_cast<float>((block.begin + i) % 97));
  std::vector<float> all(grads.size(), -1.0f);
  std::copy(mine.begin(), mine.end(), all.begin() + static_cast<std::ptrdiff_t>(block.begin));
  comm->allgather_blocks(all);
  for (std::size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(all[i], ranks_sum * static_cast<float>(i % 97)) << i;
}

// Rank r holds r + 1 pieces whose values name (rank, piece, index); each rank
// receives its block of every other rank's pieces, in rank and piece order.
TEST(MpiCommunicator, GatherBlocksOfPiecesDeliversEveryOtherRanksBlocks) {
  const int n = comm->size(), me = comm->rank();
  constexpr std::size_t kLength = 1003;
  auto value = [](int rank, std::size_t piece, std::size_t i) {
    return static_cast<float>(rank * 100000 + static_cast<int>(piece) * 10000) +
           static_cast<float>(i);
  };
  std::vector<std::vector<float>> pieces(static_cast<std::size_t>(me + 1),
                                         std::vector<float>(kLength));
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    for (std::size_t i = 0; i < kLength; ++i) pieces[p][i] = value(me, p, i);
  }
  std::vector<const float*> mine;
  for (const auto& p : pieces) mine.push_back(p.data());
  std::vector<std::size_t> per_rank;
  std::size_t others = 0;
  for (int r = 0; r < n; ++r) {
    per_rank.push_back(static_cast<std::size_t>(r + 1));
    if (r != me) others += static_cast<std::size_t>(r + 1);
  }
  const Block block = block_of(kLength, me, n);
  std::vector<float> received(others * block.size(), -1.0f);
  comm->gather_blocks_of_pieces(mine, kLength, per_rank, received);
  std::size_t at = 0;
  for (int r = 0; r < n; ++r) {
    if (r == me) continue;
    for (std::size_t p = 0; p <= static_cast<std::size_t>(r); ++p) {
      for (std::size_t i = 0; i < block.size(); ++i, ++at)
        ASSERT_EQ(received[at], value(r, p, block.begin + i)) << r << " " << p << " " << i;
    }
  }
}

TEST(MpiCommunicator, MinMaxAndBroadcast) {
  EXPECT_EQ(comm->allreduce_min(comm->rank() + 10), 10);
  EXPECT_EQ(comm->allreduce_max(comm->rank() + 10), comm->size() + 9);
  std::vector<std::byte> data(16, std::byte{0});
  if (comm->rank() == 1) data.assign(16, std::byte{7});
  comm->broadcast(data, 1);
  for (auto b : data) EXPECT_EQ(b, std::byte{7});
  EXPECT_GE(comm->local_size(), 1);
}

TEST(CollectiveStatus, AllRanksStopWhenOneFails) {
  std::optional<LocalError> error;
  if (comm->rank() == comm->size() - 1) error = LocalError{"last rank broke", kExitDataError};
  try {
    agree_or_fail(*comm, error);
    FAIL() << "agree_or_fail returned on rank " << comm->rank();
  } catch (const RunFailure& f) {
    EXPECT_EQ(f.exit_code(), kExitDataError);
  }
}

TEST(CollectiveStatus, ReturnsWhenNoRankFails) {
  EXPECT_NO_THROW(agree_or_fail(*comm, std::nullopt));
  EXPECT_NO_THROW(run_collectively(*comm, kExitRuntimeError, [] {}));
}

}  // namespace
}  // namespace mnist_dp

int main(int argc, char** argv) {
  auto comm = std::make_unique<mnist_dp::MpiCommunicator>(&argc, &argv);
  mnist_dp::comm = comm.get();
  ::testing::InitGoogleTest(&argc, argv);
  if (comm->rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  return failed;
}
