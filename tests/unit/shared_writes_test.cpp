// What a rank writes for other cores to read (core/streaming_stores.hpp):
// which gradient rows count as read here, and the optimizer pass's copy of
// its block into the shared parameters, by streaming or ordinary stores.
#include <gtest/gtest.h>

#include <vector>

#include "mnist_dp/core/aligned_buffer.hpp"
#include "mnist_dp/nn/params.hpp"
#include "mnist_dp/optim/optimizer.hpp"
#include "mnist_dp/train/block_update.hpp"
#include "product_test_support.hpp"

namespace mnist_dp {
namespace {

void expect_rows(IndexRange got, std::size_t begin, std::size_t end, const char* what) {
  EXPECT_EQ(got.begin, begin) << what;
  EXPECT_EQ(got.end, end) << what;
}

TEST(SharedWrites, GradientRowsReadHereAreThoseWithAnElementInTheRange) {
  ParameterBuffer params;
  const std::size_t a = params.add("a", 3, 10);  // elements [0, 30)
  const std::size_t b = params.add("b", 1, 4);   // [30, 34)
  const std::size_t c = params.add("c", 5, 8);   // [34, 74)
  params.allocate();
  EXPECT_TRUE(params.grad_rows_read_here(c).contains(4)) << "before place_grads: every row";

  AlignedFloats shared(params.size());
  params.place_grads(shared, IndexRange{25, 50});
  expect_rows(params.grad_rows_read_here(a), 2, 3, "a: row 2 ends inside");
  expect_rows(params.grad_rows_read_here(b), 0, 1, "b: inside");
  expect_rows(params.grad_rows_read_here(c), 0, 2, "c: rows 0 and 1 inside");

  params.place_grads(shared, IndexRange{0, 20});
  EXPECT_EQ(params.grad_rows_read_here(b).begin, params.grad_rows_read_here(b).end) << "b: none";
  expect_rows(params.grad_rows_read_here(a), 0, 2, "a: rows 0 and 1");

  AlignedFloats target(params.size());
  params.set_grad_target(target, false);
  EXPECT_TRUE(params.grad_rows_read_here(b).contains(0)) << "a target is read by this core";
}

// The block starts and ends inside cache lines; both copies give the same
// shared values, and the same parameters.
TEST(SharedWrites, StreamingCopyOfTheBlockEqualsTheOrdinaryOne) {
  constexpr std::size_t kSize = 9000;
  const Block block{1237, 7411};
  const std::vector<float> initial = random_matrix(kSize, 31);
  const std::vector<float> gradient = random_matrix(block.size(), 32);
  std::vector<std::vector<float>> shared_after, params_after;
  for (const bool streaming : {false, true}) {
    ParameterBuffer params;
    params.add("w", 1, kSize);
    params.allocate();
    std::copy(initial.begin(), initial.end(), params.values().begin());
    AlignedFloats shared(kSize, -1.0f);
    BlockUpdate update(block);
    update.copy_to(shared, streaming);
    const auto optimizer = make_optimizer(OptimizerSettings{}, block.size());
    for (int step = 0; step < 2; ++step) {
      update.run(*optimizer, params, false, 1e-3, [&](std::size_t first, std::span<float> out) {
        std::copy_n(gradient.begin() + static_cast<std::ptrdiff_t>(first - block.begin), out.size(),
                    out.begin());
        return out;
      });
    }
    shared_after.emplace_back(shared.begin(), shared.end());
    params_after.emplace_back(params.values().begin(), params.values().end());
    for (std::size_t i = 0; i < kSize; ++i) {
      const bool in_block = block.begin <= i && i < block.end;
      ASSERT_EQ(shared[i], in_block ? params.values()[i] : -1.0f)
          << "streaming " << streaming << ", element " << i;
    }
  }
  EXPECT_EQ(shared_after[0], shared_after[1]);
  EXPECT_EQ(params_after[0], params_after[1]);
}

}  // namespace
}  // namespace mnist_dp
