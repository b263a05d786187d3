// The training loop allocates nothing per step: a counting global operator new
// compares whole runs whose only difference is the number of steps per epoch,
// so set-up and per-epoch allocations cancel and any per-step one shows.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "mnist_dp/comm/local_communicator.hpp"
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
long allocations_of_run(std::size_t train_count, bool deterministic) {
  const Config config = parse_config(
      "model:\n  layers:\n    - {type: dense, units: 64, activation: relu, kernel_l2: 1.0e-4}\n"
      "    - {type: dropout, rate: 0.2}\n    - {type: dense, units: 10, activation: softmax}\n"
      "training: {epochs: 2, batch_size: 128}\noutput: {checkpoint_dir: ''}\n",
      "test", {deterministic ? "training.deterministic=true" : "training.deterministic=false"});
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
  for (bool deterministic : {false, true}) {
    allocations_of_run(512, deterministic);  // first use: one-time initialisation in libraries
    const long four_steps = allocations_of_run(512, deterministic);    // 4 steps per epoch
    const long eight_steps = allocations_of_run(1024, deterministic);  // 8 steps per epoch
    EXPECT_GT(four_steps, 0);  // the counter works: set-up allocates
    EXPECT_EQ(eight_steps, four_steps) << "8 more steps allocated " << eight_steps - four_steps
                                       << " times (deterministic: " << deterministic << ")";
  }
}

}  // namespace
}  // namespace mnist_dp
