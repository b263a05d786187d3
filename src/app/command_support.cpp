// Flag parsing, error-to-exit-code mapping and model building for the tools.
#include "command_support.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "mnist_dp/app/cli.hpp"
#include "mnist_dp/comm/collective_status.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/output_guard.hpp"

namespace mnist_dp {

namespace po = boost::program_options;

bool parse_command_line(int argc, char** argv, const po::options_description& desc,
                        const po::positional_options_description* positional,
                        po::variables_map& vm) {
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (positional) parser.positional(*positional);
    const po::parsed_options parsed = parser.run();
    refuse_stray_arguments(parsed);
    po::store(parsed, vm);
    if (vm.count("help")) {
      std::cout << desc;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (see --help)");
  }
  return true;
}

int run_command_body(const std::function<void()>& body) {
  auto report = [](const char* what, int code) {
    std::fprintf(stderr, "mnist_dp: error: %s\n", what);
    return code;
  };
  try {
    body();
    return kExitOk;
  } catch (const UsageError& e) {
    return report(e.what(), kExitUsage);
  } catch (const ConfigError& e) {
    return report(e.what(), kExitUsage);
  } catch (const OutputRefused& e) {
    return report(e.what(), kExitUsage);
  } catch (const DataError& e) {
    return report(e.what(), kExitDataError);
  } catch (const std::bad_alloc&) {
    return report(kOutOfMemoryMessage, kExitRuntimeError);
  } catch (const std::exception& e) {
    return report(e.what(), kExitRuntimeError);
  }
}

std::unique_ptr<Model> build_model(const ModelFile& file, std::size_t max_batch) {
  auto model = std::make_unique<Model>(file.config, file.input_size, kNumClasses, max_batch);
  if (model->params().size() != file.params.size()) {
    throw DataError("model file holds " + std::to_string(file.params.size()) +
                    " weights, the network needs " + std::to_string(model->params().size()));
  }
  std::copy(file.params.begin(), file.params.end(), model->params().values().begin());
  return model;
}

}  // namespace mnist_dp
