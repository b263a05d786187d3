// allreduce_bench: times the Communicator's float allreduce for message sizes
// from 1 KiB to 16 MiB (median of repeated calls after warm-up) and prints CSV
// lines "ranks,bytes,seconds" on rank 0. Used by launch/scaling/run.sh to fit
// the ring model T = 2(p-1)·alpha + 2(p-1)/p · N/B.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "mnist_dp/comm/mpi_communicator.hpp"

int main(int argc, char** argv) {
  mnist_dp::MpiCommunicator comm(&argc, &argv);
  constexpr int kRepeats = 30;
  if (comm.rank() == 0) std::printf("ranks,bytes,seconds\n");
  for (std::size_t bytes = 1024; bytes <= (std::size_t{16} << 20); bytes *= 4) {
    std::vector<float> data(bytes / sizeof(float), 1.0f);
    std::vector<double> times;
    for (int i = 0; i < kRepeats + 3; ++i) {
      comm.barrier();
      const auto start = std::chrono::steady_clock::now();
      comm.allreduce_sum(data);
      const double t =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i >= 3) times.push_back(t);
    }
    std::nth_element(times.begin(), times.begin() + kRepeats / 2, times.end());
    const double median = times[kRepeats / 2];  // rank 0's; a barrier starts every call
    if (comm.rank() == 0) std::printf("%d,%zu,%.9f\n", comm.size(), bytes, median);
  }
  return 0;
}
