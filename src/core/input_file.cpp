// Input files are checked by type before they are opened.
#include "mnist_dp/core/input_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace mnist_dp {

std::string input_file_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "no such file" : std::string("cannot open: ") + std::strerror(errno);
  }
  if (S_ISREG(st.st_mode)) return "";
  if (S_ISDIR(st.st_mode)) return "is a directory, not a file";
  if (S_ISFIFO(st.st_mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
  return "is a device, not a regular file";
}

}  // namespace mnist_dp
