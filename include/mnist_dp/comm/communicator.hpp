// The collective operations the trainer needs, independent of MPI. The math
// never sees this; the trainer calls it between backward and the optimizer.
#pragma once

#include <cstddef>
#include <span>

namespace mnist_dp {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Ranks sharing this node (for choosing BLAS threads).
  virtual int local_size() const = 0;

  virtual void allreduce_sum(std::span<float> data) = 0;
  virtual void allreduce_sum(std::span<double> data) = 0;
  virtual int allreduce_min(int value) = 0;
  virtual int allreduce_max(int value) = 0;
  virtual void broadcast(std::span<std::byte> data, int root) = 0;
  virtual void barrier() = 0;
};

}  // namespace mnist_dp
