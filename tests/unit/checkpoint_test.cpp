// Checkpoint round trip through HDF5, and rejection of missing, foreign,
// truncated and corrupted files.
#include "mnist_dp/io/checkpoint.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/file_seal.hpp"
#include "test_support.hpp"

namespace mnist_dp {
namespace {

using testing::TempDir;

Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.config_yaml = "model: {}\n";
  c.seed = 42;
  c.progress.epoch = 3;
  c.progress.step_in_epoch = 17;
  c.progress.global_step = 3 * 469 + 17;
  c.progress.loss_sum = 12.5;
  c.progress.correct = 2000;
  c.progress.seen = 2176;
  c.progress.history = {{1, 0.3, 0.9, 0.2, 0.95, 1.5, 0.1}, {2, 0.1, 0.97, 0.09, 0.975, 1.4, 0.1}};
  c.tensors = {{"dense/kernel", 0, 3, 2}, {"dense/bias", 6, 1, 2}};
  c.params = {1.5f, -2.0f, 0.25f, 1e-8f, 3.0f, -0.0f, 0.125f, 7.0f};
  c.optimizer_name = "adam";
  c.optimizer_iterations = 1424;
  c.optimizer_slots = {{"m", std::vector<float>(8, 0.5f)}, {"v", std::vector<float>(8, 0.25f)}};
  return c;
}

TEST(Checkpoint, RoundTripsEveryField) {
  TempDir dir;
  const std::string path = dir.file("sub/ckpt.h5");
  const Checkpoint a = sample_checkpoint();
  write_checkpoint(path, a);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  const Checkpoint b = read_checkpoint(path);
  EXPECT_EQ(b.config_yaml, a.config_yaml);
  EXPECT_EQ(b.seed, 42u);
  EXPECT_EQ(b.progress.epoch, 3u);
  EXPECT_EQ(b.progress.step_in_epoch, 17u);
  EXPECT_EQ(b.progress.global_step, a.progress.global_step);
  EXPECT_EQ(b.progress.loss_sum, 12.5);
  EXPECT_EQ(b.progress.seen, 2176);
  ASSERT_EQ(b.progress.history.size(), 2u);
  EXPECT_EQ(b.progress.history[1].epoch, 2u);
  EXPECT_EQ(b.progress.history[1].val_accuracy, 0.975);
  ASSERT_EQ(b.tensors.size(), 2u);
  EXPECT_EQ(b.tensors[0].name, "dense/kernel");
  EXPECT_EQ(b.tensors[0].rows, 3u);
  EXPECT_EQ(b.tensors[1].rows, 1u);
  EXPECT_EQ(b.tensors[1].offset, 6u);
  EXPECT_EQ(b.params, a.params);
  EXPECT_EQ(b.optimizer_name, "adam");
  EXPECT_EQ(b.optimizer_iterations, 1424u);
  ASSERT_EQ(b.optimizer_slots.size(), 2u);
  EXPECT_EQ(b.optimizer_slots[1].name, "v");
  EXPECT_EQ(b.optimizer_slots[1].values, a.optimizer_slots[1].values);
}

std::string read_error(const std::string& path) {
  try {
    read_checkpoint(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Checkpoint, RejectsMissingForeignAndTruncatedFiles) {
  TempDir dir;
  EXPECT_EQ(read_error(dir.file("none.h5")), dir.file("none.h5") + ": no such checkpoint file");
  testing::write_file(dir.file("text.h5"), "not hdf5 at all");
  EXPECT_NE(read_error(dir.file("text.h5")).find(": not a sealed mnist_dp checkpoint"),
            std::string::npos);

  write_checkpoint(dir.file("good.h5"), sample_checkpoint());
  const std::string bytes = testing::read_file(dir.file("good.h5"));
  testing::write_file(dir.file("torn.h5"), bytes.substr(0, bytes.size() / 2));
  EXPECT_NE(read_error(dir.file("torn.h5")).find(dir.file("torn.h5")), std::string::npos);
}

// Writes c, flips one bit in the first copy of `needle`'s bytes in the file,
// and returns the error of reading it back.
std::string error_after_flipping(const TempDir& dir, const Checkpoint& c, float needle) {
  write_checkpoint(dir.file("c.h5"), c);
  std::string bytes = testing::read_file(dir.file("c.h5"));
  const std::size_t at = bytes.find(std::string(reinterpret_cast<const char*>(&needle), 4));
  if (at == std::string::npos) return "needle not found";
  bytes[at] = static_cast<char>(bytes[at] ^ 1);
  testing::write_file(dir.file("c.h5"), bytes);
  return read_error(dir.file("c.h5"));
}

TEST(Checkpoint, DetectsFlippedParameterBytes) {
  TempDir dir;
  Checkpoint c = sample_checkpoint();
  c.params = std::vector<float>(8, 1234.5f);  // a recognisable byte pattern
  EXPECT_NE(error_after_flipping(dir, c, 1234.5f).find("checksum mismatch"), std::string::npos);
}

// The optimizer state decides the rest of the run as much as the parameters:
// a flipped byte in Adam's v must be refused too.
TEST(Checkpoint, DetectsFlippedOptimizerStateBytes) {
  TempDir dir;
  Checkpoint c = sample_checkpoint();
  ASSERT_FALSE(c.optimizer_slots.empty());
  c.optimizer_slots.back().values.assign(c.params.size(), 9876.5f);
  EXPECT_NE(error_after_flipping(dir, c, 9876.5f).find("checksum mismatch"), std::string::npos);
}

// The state checksum inside the file is computed before HDF5 writes it, so it
// also catches bytes changed behind the seal's back (here: changed, then
// resealed), as a faulty write path would.
TEST(Checkpoint, StateChecksumCatchesChangesUnderAValidSeal) {
  TempDir dir;
  Checkpoint c = sample_checkpoint();
  c.params = std::vector<float>(8, 1234.5f);
  write_checkpoint(dir.file("c.h5"), c);
  std::string bytes = testing::read_file(dir.file("c.h5"));
  const float needle = 1234.5f;
  const std::size_t at = bytes.find(std::string(reinterpret_cast<const char*>(&needle), 4));
  ASSERT_NE(at, std::string::npos);
  bytes[at] = static_cast<char>(bytes[at] ^ 1);
  std::span<std::byte> image(reinterpret_cast<std::byte*>(bytes.data()), bytes.size());
  seal_image(image);
  testing::write_file(dir.file("c.h5"), bytes);
  EXPECT_NE(read_error(dir.file("c.h5")).find("state checksum mismatch"), std::string::npos)
      << read_error(dir.file("c.h5"));
}

TEST(Checkpoint, UnwritableDirectoryIsAnError) {
  EXPECT_THROW(write_checkpoint("/proc/no/such/dir/ckpt.h5", sample_checkpoint()),
               std::runtime_error);
}

}  // namespace
}  // namespace mnist_dp

namespace mnist_dp {
namespace {

// Files the fuzzer found to crash HDF5 1.10 itself (a heap overflow on a
// corrupt variable-length string, a use-after-free in H5Aexists on a corrupt
// object header): both are refused on their raw bytes, before HDF5 opens them.
class FuzzerFoundFile : public ::testing::TestWithParam<const char*> {};

TEST_P(FuzzerFoundFile, IsRefusedBeforeHdf5ParsesIt) {
  const std::string path = std::string(MNIST_DP_SOURCE_DIR "/fuzz/crashes/") + GetParam();
  EXPECT_NE(read_error(path).find("not a sealed mnist_dp checkpoint"), std::string::npos)
      << read_error(path);
}

INSTANTIATE_TEST_SUITE_P(Checkpoint, FuzzerFoundFile,
                         ::testing::Values("hdf5-vlen-heap-overflow.h5",
                                           "hdf5-attr-exists-use-after-free.h5"));

// The seal covers every byte after it, including HDF5's own metadata, and the
// seal itself: a flip anywhere is refused before HDF5 parses the file.
TEST(Checkpoint, SealRefusesAnyFlippedOrMissingByte) {
  TempDir dir;
  write_checkpoint(dir.file("good.h5"), sample_checkpoint());
  const std::string good = testing::read_file(dir.file("good.h5"));
  ASSERT_EQ(good.compare(0, 15, "mnist_dp-seal 1"), 0);
  ASSERT_EQ(good.compare(512, 8, "\x89HDF\r\n\x1a\n"), 0) << "HDF5 superblock not after the seal";
  for (const std::size_t at :
       {std::size_t{20}, std::size_t{520}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    testing::write_file(dir.file("bad.h5"), bad);
    EXPECT_NE(read_error(dir.file("bad.h5")), "no error") << "flip at byte " << at;
  }
  testing::write_file(dir.file("short.h5"), good.substr(0, good.size() - 1));
  EXPECT_NE(read_error(dir.file("short.h5")).find("incomplete or extended file"),
            std::string::npos);
  testing::write_file(dir.file("long.h5"), good + "x");
  EXPECT_NE(read_error(dir.file("long.h5")).find("incomplete or extended file"), std::string::npos);
}

}  // namespace
}  // namespace mnist_dp
