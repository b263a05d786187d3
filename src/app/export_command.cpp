// `mnist_dp export`: a checkpoint (or a checkpoint directory) to a Keras .h5.
#include <cstdio>

#include "command_support.hpp"
#include "mnist_dp/app/commands.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/output_guard.hpp"

namespace mnist_dp {

int run_export_command(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string checkpoint, out;
  bool overwrite = false;
  po::options_description desc(
      "Usage: mnist_dp export --checkpoint CKPT --out MODEL.h5\n"
      "Writes the network of a checkpoint as a Keras HDF5 model file.\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "checkpoint", po::value(&checkpoint)->required(),
      "checkpoint file, or checkpoint directory (its latest.h5)")(
      "out", po::value(&out)->required(), "Keras .h5 file to write")(
      "overwrite", po::bool_switch(&overwrite), "allow --out to replace a checkpoint");
  return run_command_body([&] {
    po::variables_map vm;
    if (!parse_command_line(argc, argv, desc, nullptr, vm)) return;
    const std::string path = resolve_checkpoint_path(checkpoint);
    OutputGuard guard(overwrite);
    guard.add_input(path);
    guard.check_output(out, "--out");
    const Checkpoint c = read_checkpoint(path);
    write_keras_model(out, model_file_from_checkpoint(c, path), c.tensors);
    std::printf("mnist_dp: wrote %s (Keras HDF5 model) from %s\n", out.c_str(), path.c_str());
  });
}

}  // namespace mnist_dp
