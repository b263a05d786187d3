// A parse tried in a forked child before it runs in this process.
#include "crash_guard.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace mnist_dp {

void check_parse_survives(const std::function<void()>& parse, const std::string& what) {
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("cannot fork to check the file");
  if (child == 0) {
    try {
      parse();
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child)
    throw std::runtime_error("cannot wait for the file check");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                              : "exit " + std::to_string(WEXITSTATUS(status));
  throw std::runtime_error(what + " (" + how + ")");
}

}  // namespace mnist_dp
