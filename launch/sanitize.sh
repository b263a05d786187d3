#!/usr/bin/env bash
# Builds with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/
# and runs the unit and MPI suites under them, then the output-safety e2e
# tests against the sanitized mnist_dp binary (any report fails the run; the
# one expected report, HDF5 crashing on a corrupt Keras file, happens in the
# child process that read_keras_model forks to contain it).
# Leak checking is off: Open MPI keeps allocations until exit.
# Usage: launch/sanitize.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNIST_DP_SANITIZE=ON -DMNIST_DP_NATIVE=ON > /dev/null
cmake --build build-asan -j"$(nproc)" --target unit_tests mpi_tests no_allocation_tests mnist_dp e2e_tests
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ctest --test-dir build-asan -L "unit|mpi" --output-on-failure "$@"
build-asan/tests/e2e_tests --gtest_filter='Cases/OutputCatalogue.*:RunCopy.*' --gtest_brief=1
