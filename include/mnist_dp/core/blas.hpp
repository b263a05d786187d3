// Thin wrappers over OpenBLAS: the one GEMM the layers use and thread control.
#pragma once

#include "mnist_dp/core/tensor.hpp"

namespace mnist_dp {

enum class Transpose { kNo, kYes };

// c = alpha * op(a) * op(b) + beta * c, all row-major. Shapes are checked.
void gemm(Transpose trans_a, Transpose trans_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c);

// The kernel family OpenBLAS runs: its own choice for this CPU ("Cooperlake"
// on AVX-512 AMD EPYC), or the one OPENBLAS_CORETYPE names.
const char* blas_core_name();
// OpenBLAS's build description ("OpenBLAS 0.3.21 DYNAMIC_ARCH ...").
const char* blas_config();

// Number of threads OpenBLAS may use in this process.
void set_blas_threads(int threads);

// Threads per rank when `ranks_on_node` processes share this node: the cores
// divided between them, at least one. OPENBLAS_NUM_THREADS, if set, wins.
int default_blas_threads(int ranks_on_node);

}  // namespace mnist_dp
