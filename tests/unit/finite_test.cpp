// all_finite, the divergence guard on gradients and checkpointed state.
#include "mnist_dp/core/finite.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace mnist_dp {
namespace {

// all_finite looks at the exponent bits: NaN and both infinities are caught,
// the largest finite float and subnormals are not, wherever they sit in the
// buffer (the loop is vectorised, so the tail and each lane matter).
TEST(AllFinite, FindsNanAndInfinityAnywhere) {
  std::vector<float> values(1037, 0.5f);
  values[3] = std::numeric_limits<float>::max();
  values[4] = -std::numeric_limits<float>::max();
  values[5] = std::numeric_limits<float>::denorm_min();
  EXPECT_TRUE(all_finite(values));
  EXPECT_TRUE(all_finite({}));
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity()}) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{17}, values.size() - 1}) {
      std::vector<float> copy = values;
      copy[at] = bad;
      EXPECT_FALSE(all_finite(copy)) << bad << " at " << at;
    }
  }
}

}  // namespace
}  // namespace mnist_dp
