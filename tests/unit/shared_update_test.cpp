// The node's shared optimizer pass (train/shared_update.hpp), with threads
// standing in for the ranks of a node over one control memory: every chunk
// is updated exactly once per step, none before every rank has published
// its gradient, every one before the step's end, and the homes split every
// tensor's rows.
#include "mnist_dp/train/shared_update.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <thread>
#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"

namespace mnist_dp {
namespace {

// Three tensors like a small dense stack: chunks of 64 floats cut the
// matrices into several chunks of whole rows.
void add_tensors(ParameterBuffer& params) {
  params.add("dense/kernel", 40, 12);  // 480 floats, 5 rows per chunk
  params.add("dense/bias", 1, 12);
  params.add("dense_1/kernel", 12, 7);  // 84 floats, 9 rows per chunk
  params.allocate();
}
constexpr std::size_t kChunk = 64;

TEST(SharedUpdate, HomesSplitEveryTensorsRows) {
  ParameterBuffer params;
  add_tensors(params);
  constexpr int kRanks = 3;
  AlignedFloats control(SharedUpdate::control_floats(kRanks));
  for (std::size_t t = 0; t < params.tensors().size(); ++t) {
    if (params.tensors()[t].rows == 1) continue;
    std::size_t next = 0;
    for (int r = 0; r < kRanks; ++r) {
      const IndexRange rows = SharedUpdate(params, kRanks, r, control, {}, kChunk).home_rows()[t];
      EXPECT_EQ(rows.begin, next) << "tensor " << t << " rank " << r;
      next = rows.end;
    }
    EXPECT_EQ(next, params.tensors()[t].rows) << "tensor " << t;
  }
}

// Each thread plays a rank: publishes its gradients in backward's order at
// its own pace, takes chunks, records who updated each element (one rank
// slowly), and ends the step with finish_step, which must return only once
// every chunk is updated and with the ranks' sums added in rank order. Two
// runs of rows of the first kernel are unchanging: no rank updates or
// copies them.
TEST(SharedUpdate, EveryElementIsUpdatedOnceAndOnlyOnceAllGradientsAreIn) {
  ParameterBuffer params;
  add_tensors(params);
  const std::size_t n = params.size();
  const std::size_t tensors = params.tensors().size();
  constexpr int kRanks = 3;
  constexpr int kSteps = 6;
  AlignedFloats control(SharedUpdate::control_floats(kRanks), 0.0f);
  ProcessMemory memory(1, 1);
  // published[r]: tensors rank r has published this step, from the last.
  std::vector<std::atomic<int>> published(kRanks);
  std::vector<std::atomic<int>> updated_by(n);
  std::atomic<int> early_chunks{0};
  std::vector<std::vector<int>> copied(kRanks, std::vector<int>(n, 0));
  std::barrier fence(kRanks);
  const std::vector<IndexRange> unchanging = {{3 * 12, 5 * 12}, {12 * 12, 27 * 12}};
  auto unchanged = [&](std::size_t i) {
    return unchanging[0].contains(i) || unchanging[1].contains(i);
  };

  auto rank = [&](int me) {
    SharedUpdate update(params, kRanks, me, control, unchanging, kChunk);
    for (int step = 1; step <= kSteps; ++step) {
      if (me == 0) {
        for (auto& u : updated_by) u = -1;
      }
      for (auto& p : published) p = 0;
      fence.arrive_and_wait();
      update.start_step(static_cast<std::uint32_t>(step));
      // The ranks take turns being slow.
      const auto pause = std::chrono::microseconds((me + step) % kRanks * 300);
      for (std::size_t t = tensors; t-- > 0;) {
        std::this_thread::sleep_for(pause);
        published[static_cast<std::size_t>(me)] = static_cast<int>(tensors - t);
        update.gradient_written(t);
      }
      update.run(memory, [&](IndexRange chunk) {
        std::size_t tensor = 0;
        while (chunk.begin >= params.tensors()[tensor].offset + params.tensors()[tensor].size()) {
          ++tensor;
        }
        for (const auto& p : published) {
          if (p < static_cast<int>(tensors - tensor)) ++early_chunks;
        }
        if (me == step % kRanks) std::this_thread::sleep_for(std::chrono::microseconds(200));
        for (std::size_t i = chunk.begin; i < chunk.end; ++i) {
          int none = -1;
          if (!updated_by[i].compare_exchange_strong(none, me)) updated_by[i] = -2;  // twice
        }
      });
      std::array<double, 2> sums = {0.1 * (me + 1), static_cast<double>(step * me)};
      update.finish_step(memory, sums);
      EXPECT_EQ(sums[0], (0.1 + 0.2) + 0.3) << "rank " << me << " step " << step;
      EXPECT_EQ(sums[1], static_cast<double>(step * (0 + 1 + 2))) << "rank " << me;
      auto& mine = copied[static_cast<std::size_t>(me)];
      std::fill(mine.begin(), mine.end(), 0);
      update.for_each_chunk_of_others([&](IndexRange chunk) {
        for (std::size_t i = chunk.begin; i < chunk.end; ++i) ++mine[i];
      });
      // The first wrong element of the step fails the test; every thread
      // still reaches the barriers, so a failure never hangs the others.
      for (std::size_t i = 0; i < n; ++i) {
        const int by = updated_by[i];
        const bool right =
            unchanged(i) ? by == -1 && mine[i] == 0 : by >= 0 && mine[i] == (by == me ? 0 : 1);
        if (!right) {
          ADD_FAILURE() << "rank " << me << " step " << step << " element " << i
                        << (unchanged(i) ? " (unchanging)" : "") << " updated by " << by
                        << " (-1: none yet, -2: twice), copied " << mine[i] << " times";
          break;
        }
      }
      fence.arrive_and_wait();
    }
  };
  std::vector<std::thread> threads;
  for (int r = 0; r < kRanks; ++r) threads.emplace_back(rank, r);
  for (auto& t : threads) t.join();
  EXPECT_EQ(early_chunks, 0) << "chunks updated before every rank published their tensor";
}

// A rank that is ahead takes the others' chunks instead of waiting for
// them: with one rank publishing late, the early one updates most chunks.
TEST(SharedUpdate, ARankAheadTakesTheOthersChunks) {
  ParameterBuffer params;
  add_tensors(params);
  AlignedFloats control(SharedUpdate::control_floats(2), 0.0f);
  ProcessMemory memory(1, 1);
  SharedUpdate early(params, 2, 0, control, {}, kChunk);
  SharedUpdate late(params, 2, 1, control, {}, kChunk);
  early.start_step(1);
  late.start_step(1);
  early.backward_done();
  late.backward_done();
  std::size_t taken_early = 0, taken_late = 0;
  early.run(memory, [&](IndexRange) { ++taken_early; });
  late.run(memory, [&](IndexRange) { ++taken_late; });
  EXPECT_EQ(taken_early, early.chunk_count());
  EXPECT_EQ(taken_late, 0u);
  EXPECT_EQ(early.waited_seconds(), 0.0);
}

}  // namespace
}  // namespace mnist_dp
