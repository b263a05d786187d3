// The training loop allocates nothing per step: a counting global operator new
// (plain and aligned) compares whole runs whose only difference is the number
// of steps per epoch, so set-up and per-epoch allocations cancel and any
// per-step one shows; in float32 and bf16, plain and deterministic. The
// shared update, which needs several ranks, is counted on its own.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>

#include "mnist_dp/comm/local_communicator.hpp"
#include "mnist_dp/nn/bf16_products.hpp"
#include "mnist_dp/train/shared_update.hpp"
#include "mnist_dp/train/trainer.hpp"

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// The cache-line-aligned buffers (AlignedFloats) take the aligned form.
void* operator new(std::size_t size, std::align_val_t alignment) {
  ++allocations;
  const auto align = static_cast<std::size_t>(alignment);
  if (void* p = std::aligned_alloc(align, (size + align - 1) / align * align)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace mnist_dp {
namespace {

DatasetPair synthetic(std::size_t train_count) {
  DatasetPair d;
  for (Dataset* set : {&d.train, &d.test}) {
    set->count = set == &d.train ? train_count : 200;
    set->features = 784;
    set->scale = 1.0f / 255.0f;
    set->pixels.resize(set->count * 784);
    set->labels.resize(set->count);
    for (std::size_t i = 0; i < set->pixels.size(); ++i)
      set->pixels[i] = static_cast<std::uint8_t>(i * 31 % 251);
    for (std::size_t i = 0; i < set->count; ++i) set->labels[i] = static_cast<std::uint8_t>(i % 10);
  }
  return d;
}

// Heap allocations of a whole 2-epoch run (set-up included) at batch 128.
long allocations_of_run(std::size_t train_count, bool deterministic, bool bf16) {
  const Config config = parse_config(
      "model:\n  layers:\n    - {type: dense, units: 64, activation: relu, kernel_l2: 1.0e-4}\n"
      "    - {type: dropout, rate: 0.2}\n    - {type: dense, units: 10, activation: softmax}\n"
      "training: {epochs: 2, batch_size: 128}\noutput: {checkpoint_dir: ''}\n",
      "test",
      {deterministic ? "training.deterministic=true" : "training.deterministic=false",
       bf16 ? "training.precision=bf16" : "training.precision=fp32"});
  const DatasetPair data = synthetic(train_count);
  LocalCommunicator comm;
  const long before = allocations.load();
  {
    Trainer trainer(config, "", comm, data);
    trainer.run(TrainerHooks{});
  }
  return allocations.load() - before;
}

TEST(NoAllocation, TrainingStepsAllocateNothing) {
  for (bool bf16 : {false, true}) {
    if (bf16 && !bf16_products_available()) continue;
    for (bool deterministic : {false, true}) {
      // First use: one-time initialisation in libraries.
      allocations_of_run(512, deterministic, bf16);
      const long four_steps = allocations_of_run(512, deterministic, bf16);    // 4 steps per epoch
      const long eight_steps = allocations_of_run(1024, deterministic, bf16);  // 8 steps per epoch
      EXPECT_GT(four_steps, 0);  // the counter works: set-up allocates
      EXPECT_EQ(eight_steps, four_steps)
          << "8 more steps allocated " << eight_steps - four_steps
          << " times (deterministic: " << deterministic << ", bf16: " << bf16 << ")";
    }
  }
}

// Heap allocations of `steps` steps of a shared update (one rank), set-up included.
long allocations_of_shared_update(int steps) {
  const long before = allocations.load();
  {
    ParameterBuffer params;
    params.add("kernel", 784, 64);
    params.add("bias", 1, 64);
    params.allocate();
    AlignedFloats control(SharedUpdate::control_floats(1), 0.0f);
    ProcessMemory memory(1, 1);
    SharedUpdate update(params, 1, 0, control);
    float sum = 0;
    for (int step = 1; step <= steps; ++step) {
      update.start_step(static_cast<std::uint32_t>(step));
      update.gradient_written(1);
      update.gradient_written(0);
      update.run(memory, [&](IndexRange chunk) { sum += static_cast<float>(chunk.size()); });
      std::array<double, 4> sums{};
      update.finish_step(memory, sums);
      update.for_each_chunk_of_others(
          [&](IndexRange chunk) { sum -= static_cast<float>(chunk.size()); });
    }
    EXPECT_GT(sum, 0.0f);
  }
  return allocations.load() - before;
}

TEST(NoAllocation, SharedUpdateStepsAllocateNothing) {
  const long four_steps = allocations_of_shared_update(4);
  EXPECT_GT(four_steps, 0);
  EXPECT_EQ(allocations_of_shared_update(8), four_steps);
}

}  // namespace
}  // namespace mnist_dp
