// SIGTERM and SIGINT (what Slurm sends its tasks to stop or preempt a job)
// and SIGUSR1 (which mpirun forwards to its ranks, unlike SIGTERM, on which
// mpirun kills them) only set a flag here. The trainer asks for it through its stop hook and sums
// it over the ranks with each step's loss, so all ranks see the request at the same step boundary,
// write a checkpoint together and exit with kExitStopped.
#pragma once

namespace mnist_dp {

// Installs the handlers (once, before training).
void install_stop_signal_handlers();
// Whether a stop signal arrived in this process.
bool stop_requested();

}  // namespace mnist_dp
