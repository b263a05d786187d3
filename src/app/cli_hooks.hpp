// What a training run started from the command line does at the trainer's
// hooks: Keras-style progress on stdout (progress.hpp), the metrics CSV, checkpoints into
// the store, one-line reports of a stop or a divergence on stderr, and the
// stop-signal flag as the stop request.
#pragma once

#include <cstdint>
#include <string>

#include "mnist_dp/config/config.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/train/trainer.hpp"

namespace mnist_dp {

// The hooks for `config`, printing progress at `verbosity` (resolved, see
// progress.hpp); `store` must outlive them.
TrainerHooks make_cli_hooks(const Config& config, Verbosity verbosity, CheckpointStore& store);

}  // namespace mnist_dp
