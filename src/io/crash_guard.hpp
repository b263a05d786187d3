// A guard for parsers that may crash on hostile input: the parse runs first
// in a forked child, and only a parse that finished there (by returning or
// throwing) is run for real. HDF5 1.10 can crash on corrupt files
// (fuzz/crashes/), and files without our seal, such as Keras models, reach
// its parser unchecked. Only for single-process tools (no MPI, no threads).
#pragma once

#include <functional>
#include <string>

namespace mnist_dp {

// Returns once `parse` finished normally in a child process. Throws
// std::runtime_error "<what> (signal N)" if it crashed there.
void check_parse_survives(const std::function<void()>& parse, const std::string& what);

}  // namespace mnist_dp
