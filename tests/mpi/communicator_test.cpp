// MpiCommunicator under mpirun (-np 2, 3 and 4): collectives (allreduce,
// reduce-scatter + allgather of uneven blocks, min/max, broadcast) and the
// tagged point-to-point exchange give the right values on every rank, the
// node's shared memory is aligned and shared, and agree_or_fail stops all
// ranks when one fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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

// Rank r sends r + 1 messages to every other rank, message m with tag m and
// 1003 + m floats naming (sender, receiver, m, index); receives are posted in
// the reverse order of the sends, so only tags can match them up.
TEST(MpiCommunicator, ExchangeDeliversEveryMessageByTag) {
  const int n = comm->size(), me = comm->rank();
  auto value = [](int from, int to, int m, std::size_t i) {
    return static_cast<float>(from * 1000000 + to * 100000 + m * 10000) + static_cast<float>(i);
  };
  std::vector<std::vector<float>> out, in;
  std::vector<Transfer> sends, receives;
  for (int q = 0; q < n; ++q) {
    if (q == me) continue;
    for (int m = 0; m <= me; ++m) {
      auto& data = out.emplace_back(1003 + static_cast<std::size_t>(m));
      for (std::size_t i = 0; i < data.size(); ++i) data[i] = value(me, q, m, i);
    }
    for (int m = q; m >= 0; --m) in.emplace_back(1003 + static_cast<std::size_t>(m), -1.0f);
  }
  std::size_t o = 0, k = 0;
  for (int q = 0; q < n; ++q) {
    if (q == me) continue;
    for (int m = 0; m <= me; ++m, ++o) sends.push_back({q, m, out[o].data(), out[o].size()});
    for (int m = q; m >= 0; --m, ++k) receives.push_back({q, m, in[k].data(), in[k].size()});
  }
  comm->exchange(sends, receives, "test_exchange");
  k = 0;
  for (int q = 0; q < n; ++q) {
    if (q == me) continue;
    for (int m = q; m >= 0; --m, ++k) {
      for (std::size_t i = 0; i < in[k].size(); ++i) ASSERT_EQ(in[k][i], value(q, me, m, i));
    }
  }
}

// Under one mpirun without hosts every rank is on this node.
TEST(MpiCommunicator, LayoutPutsAllRanksOnOneNode) {
  EXPECT_EQ(comm->layout().nodes(), 1);
  EXPECT_EQ(comm->layout().ranks(), comm->size());
  EXPECT_EQ(comm->local_size(), comm->size());
}

// Every slot and the common area start on a cache line (the vector kernels
// stream them), each rank sees the others' writes after a fence, and the
// parts do not overlap.
TEST(MpiCommunicator, SharedMemoryIsAlignedAndVisibleToEveryRank) {
  constexpr std::size_t kSlot = 1001, kCommon = 333;
  const std::unique_ptr<SharedMemory> shared = comm->share_memory(kSlot, kCommon);
  ASSERT_NE(shared, nullptr);
  const auto aligned = [](const float* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; };
  EXPECT_TRUE(aligned(shared->common().data()));
  for (int r = 0; r < comm->size(); ++r) EXPECT_TRUE(aligned(shared->slot(r).data())) << r;
  const std::span<float> mine = shared->slot(comm->rank());
  std::fill(mine.begin(), mine.end(), static_cast<float>(comm->rank()));
  if (comm->rank() == 0) std::fill(shared->common().begin(), shared->common().end(), -1.0f);
  shared->fence();
  for (int r = 0; r < comm->size(); ++r) {
    for (float v : shared->slot(r)) ASSERT_EQ(v, static_cast<float>(r)) << "slot " << r;
  }
  for (float v : shared->common()) ASSERT_EQ(v, -1.0f);
  shared->fence();
}

TEST(MpiCommunicator, MinMaxAndBroadcast) {
  EXPECT_EQ(comm->allreduce_min(comm->rank() + 10), 10);
  EXPECT_EQ(comm->allreduce_max(comm->rank() + 10), comm->size() + 9);
  std::vector<std::byte> data(16, std::byte{0});
  if (comm->rank() == 1) data.assign(16, std::byte{7});
  comm->broadcast(data, 1);
  for (auto b : data) EXPECT_EQ(b, std::byte{7});
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
