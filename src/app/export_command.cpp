// `mnist_dp export`: a checkpoint (or a checkpoint directory) to a Keras .h5
// or a TensorFlow.js layers model.
#include <cstdio>
#include <string>
#include <vector>

#include "command_support.hpp"
#include "mnist_dp/app/commands.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/io/keras_model.hpp"
#include "mnist_dp/io/output_guard.hpp"

namespace mnist_dp {

int run_export_command(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string checkpoint, out, format = "keras";
  bool overwrite = false;
  po::options_description desc(
      "Usage: mnist_dp export --checkpoint CKPT --out MODEL.h5\n"
      "       mnist_dp export --checkpoint CKPT --format tfjs --out DIR\n"
      "Writes the network of a checkpoint as a Keras HDF5 model file, or as a TensorFlow.js\n"
      "layers model (DIR/model.json and its weights).\n\nOptions");
  desc.add_options()("help,h", "show this help and exit")(
      "checkpoint", po::value(&checkpoint)->required(),
      "checkpoint file, or checkpoint directory (its latest.h5)")(
      "out", po::value(&out)->required(), "Keras .h5 file (or, tfjs, directory) to write")(
      "format", po::value(&format), "keras (default) or tfjs")(
      "overwrite", po::bool_switch(&overwrite), "allow --out to replace a checkpoint");
  return run_command_body([&] {
    po::variables_map vm;
    if (!parse_command_line(argc, argv, desc, nullptr, vm)) return;
    if (format != "keras" && format != "tfjs") {
      throw UsageError("--format: unknown format '" + format + "' (expected keras or tfjs)");
    }
    const std::string path = resolve_checkpoint_path(checkpoint);
    OutputGuard guard(overwrite);
    guard.add_input(path);
    const bool tfjs = format == "tfjs";
    for (const std::string& file : tfjs ? tfjs_model_files(out) : std::vector{out}) {
      guard.check_output(file, "--out");
    }
    const Checkpoint c = read_checkpoint(path);
    const ModelFile model = model_file_from_checkpoint(c, path);
    if (tfjs) {
      write_tfjs_model(out, model, c.tensors);
    } else {
      write_keras_model(out, model, c.tensors);
    }
    std::printf("mnist_dp: wrote %s (%s) from %s\n", out.c_str(),
                tfjs ? "TensorFlow.js layers model" : "Keras HDF5 model", path.c_str());
  });
}

}  // namespace mnist_dp
