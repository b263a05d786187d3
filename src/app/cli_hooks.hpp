// What a training run started from the command line does at the trainer's
// hooks: Keras-style epoch lines on stdout, the metrics CSV, checkpoints into
// the store, one-line reports of a stop or a divergence on stderr, and the
// stop-signal flag as the stop request.
#pragma once

#include <cstdint>
#include <string>

#include "mnist_dp/config/config.hpp"
#include "mnist_dp/io/checkpoint_store.hpp"
#include "mnist_dp/train/trainer.hpp"

namespace mnist_dp {

// "Epoch 3/20 - 1.21s - loss: 0.0712 - accuracy: 0.9781 - val_loss: ... - val_accuracy: ..."
std::string format_epoch_line(const EpochMetrics& m, std::uint64_t total_epochs);

// The hooks for `config`; `store` must outlive them.
TrainerHooks make_cli_hooks(const Config& config, CheckpointStore& store);

}  // namespace mnist_dp
