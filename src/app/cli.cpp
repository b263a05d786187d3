// Parses the mnist_dp command line with Boost.Program_options.
#include "mnist_dp/app/cli.hpp"

#include <boost/program_options.hpp>
#include <sstream>

namespace mnist_dp {

void refuse_stray_arguments(const boost::program_options::parsed_options& parsed) {
  for (const auto& option : parsed.options) {
    // A positional word that no declared positional argument took has no key.
    if (!option.string_key.empty() && !option.unregistered) continue;
    const std::string word = option.original_tokens.empty() ? "" : option.original_tokens[0];
    const bool assignment = word.find('=') != std::string::npos && word.rfind("--", 0) != 0;
    throw UsageError("unexpected argument '" + word + "'" +
                     (assignment ? " (to override a config key: --set " + word + ")" : "") +
                     " (see --help)");
  }
}

CliOptions parse_cli(int argc, char** argv) {
  namespace po = boost::program_options;
  CliOptions o;
  bool deterministic = false;
  std::string verbose;
  po::options_description desc(
      "Usage: mpirun -np N mnist_dp --config FILE [options]\n"
      "       mnist_dp export|evaluate|predict ... (see mnist_dp COMMAND --help)\n"
      "Data-parallel training of Keras-style MNIST networks.\n\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help and exit")
      ("version", po::bool_switch(&o.version), "print the versions of mnist_dp and of the MPI and HDF5 libraries it runs with, and the vector instructions of its products, and exit")
      ("config,c", po::value(&o.config), "YAML config file (see configs/)")
      ("set,s", po::value(&o.sets)->composing(),
       "override a config key, e.g. --set training.epochs=5 (repeatable)")
      ("resume,r", po::value(&o.resume),
       "continue training from this checkpoint file or directory (its config is used when "
       "--config is absent); 'auto': from output.checkpoint_dir if it holds one, else start")
      ("print-config", po::bool_switch(&o.print_config), "print the resolved config as YAML and exit")
      ("profile", po::bool_switch(&o.profile), "print time spent per phase at the end")
      ("profile-json", po::value(&o.profile_json), "also write the phase times as JSON to this file")
      ("verbose", po::value<std::string>(&verbose),
       "auto|0|1|2, as Keras: the same as --set output.verbose=LEVEL")
      ("deterministic", po::bool_switch(&deterministic),
       "the same bytes at any rank count: the same as --set training.deterministic=true")
      ("overwrite", po::bool_switch(&o.overwrite),
       "allow replacing protected files: start afresh in a checkpoint directory that holds "
       "checkpoints, or write an output onto a checkpoint");
  // clang-format on
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(desc).run();
    refuse_stray_arguments(parsed);
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");
  }
  if (vm.count("resume") && o.resume.empty()) {
    throw UsageError(
        "--resume: empty value (give a checkpoint file, a checkpoint directory or 'auto')");
  }
  if (deterministic) o.sets.push_back("training.deterministic=true");
  if (vm.count("verbose")) o.sets.push_back("output.verbose=" + verbose);
  o.help = vm.count("help") > 0;
  std::ostringstream text;
  text << desc;
  o.help_text = text.str();
  if (!o.help && !o.version && o.config.empty() && (o.resume.empty() || o.resume == "auto")) {
    throw UsageError("--config is required (or --resume CHECKPOINT) (see --help)");
  }
  return o;
}

}  // namespace mnist_dp
