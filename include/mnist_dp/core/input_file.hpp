// What makes a path unusable as an input file. Inputs must be regular files
// (symlinks to one are fine): a FIFO, device or socket could block a read
// forever, so it is refused by its type before anything reads it.
#pragma once

#include <string>

namespace mnist_dp {

// Empty when `path` names a regular file; otherwise why not, for an error
// line: "no such file", "is a directory, not a file", "is a FIFO (named
// pipe), not a regular file", ...
std::string input_file_problem(const std::string& path);

}  // namespace mnist_dp
