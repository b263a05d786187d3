// cross_core_probe: how fast two cores of this process's CPU set exchange
// cache lines, printed as one JSON line: the round trip of one line bounced
// between them (ns) and the rate of ordinary stores to 1 MiB of lines that
// the other core has just read (GB/s). Some hosts (KVM guests whose two
// vCPUs run on different dies at times) alternate between ~85 ns / ~10 GB/s
// and ~335 ns / ~2 GB/s; launch/bench/bench.py records it before each run
// so that a round's figures can be read against the state it met
// (core/streaming_stores.hpp). Prints {} with fewer than two CPUs.
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Median time of one round trip: each side waits for the other's number.
double round_trip_ns(int cpu_a, int cpu_b) {
  constexpr int kTrips = 20000;
  alignas(64) std::atomic<int> turn{0};
  std::thread other([&] {
    pin_to(cpu_b);
    for (int i = 0; i < kTrips; ++i) {
      while (turn.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      turn.store(2 * i + 2, std::memory_order_release);
    }
  });
  pin_to(cpu_a);
  const auto start = Clock::now();
  for (int i = 0; i < kTrips; ++i) {
    turn.store(2 * i + 1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 2 * i + 2) {
    }
  }
  const double ns = seconds_since(start) / kTrips * 1e9;
  other.join();
  return ns;
}

// Rounds of: cpu_b reads the buffer, then cpu_a overwrites it (timed).
double store_after_other_read_gbs(int cpu_a, int cpu_b) {
  constexpr std::size_t kFloats = std::size_t{1} << 18;  // 1 MiB
  constexpr int kRounds = 12;
  std::vector<float> buffer(kFloats, 1.0f);
  std::atomic<int> turn{0};
  std::atomic<float> sink{0};
  std::thread reader([&] {
    pin_to(cpu_b);
    for (int k = 0; k < kRounds; ++k) {
      while (turn.load() != 2 * k + 1) {
      }
      float sum = 0;
      for (float v : buffer) sum += v;
      sink = sum;
      turn.store(2 * k + 2);
    }
  });
  pin_to(cpu_a);
  std::vector<double> rates;
  for (int k = 0; k < kRounds; ++k) {
    turn.store(2 * k + 1);
    while (turn.load() != 2 * k + 2) {
    }
    const auto start = Clock::now();
    std::fill(buffer.begin(), buffer.end(), static_cast<float>(k));
    rates.push_back(kFloats * sizeof(float) / seconds_since(start) / 1e9);
  }
  reader.join();
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  if (cpus.size() < 2) {
    std::printf("{}\n");
    return 0;
  }
  const double trip = round_trip_ns(cpus[0], cpus[1]);
  const double store = store_after_other_read_gbs(cpus[0], cpus[1]);
  std::printf("{\"round_trip_ns\": %.0f, \"store_after_other_read_gbs\": %.1f}\n", trip, store);
  return 0;
}
