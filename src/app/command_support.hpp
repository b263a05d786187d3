// Shared by the tool commands: flag parsing with a usage error naming the
// flag, running a body with errors mapped to exit codes, and a model built
// from a model file with its weights in place.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <memory>
#include <string>

#include "mnist_dp/app/cli.hpp"
#include "mnist_dp/core/errors.hpp"
#include "mnist_dp/io/keras_model.hpp"
#include "mnist_dp/nn/model.hpp"

namespace mnist_dp {

constexpr std::size_t kNumClasses = 10;

// Parses argv (after the command word) into vm; prints help and returns false
// when --help is given. Throws UsageError on bad flags.
bool parse_command_line(int argc, char** argv,
                        const boost::program_options::options_description& desc,
                        const boost::program_options::positional_options_description* positional,
                        boost::program_options::variables_map& vm);
// Runs body and maps UsageError/ConfigError (2), DataError (3) and other
// exceptions (1) to one error line and an exit code.
int run_command_body(const std::function<void()>& body);
// A model with the file's network and weights, for batches up to max_batch.
std::unique_ptr<Model> build_model(const ModelFile& file, std::size_t max_batch);

}  // namespace mnist_dp
