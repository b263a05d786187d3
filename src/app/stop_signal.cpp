// Async-signal-safe stop flag for SIGTERM, SIGINT and SIGUSR1.
#include "mnist_dp/app/stop_signal.hpp"

#include <csignal>

namespace mnist_dp {
namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int) { stop_flag = 1; }

}  // namespace

void install_stop_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
}

bool stop_requested() { return stop_flag != 0; }

}  // namespace mnist_dp
