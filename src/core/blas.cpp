// OpenBLAS-backed GEMM with shape checks, and BLAS thread selection.
#include "mnist_dp/core/blas.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace mnist_dp {

void gemm(Transpose trans_a, Transpose trans_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c) {
  const bool ta = trans_a == Transpose::kYes;
  const bool tb = trans_b == Transpose::kYes;
  const std::size_t m = ta ? a.cols : a.rows;
  const std::size_t k = ta ? a.rows : a.cols;
  const std::size_t kb = tb ? b.cols : b.rows;
  const std::size_t n = tb ? b.rows : b.cols;
  if (k != kb || c.rows != m || c.cols != n) {
    throw std::logic_error("gemm: shape mismatch");
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {  // op(a) op(b) is all zeros; BLAS may reject k == 0
    for (std::size_t i = 0; i < c.size(); ++i) c.data[i] *= beta;
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a.data,
              static_cast<int>(a.cols), b.data, static_cast<int>(b.cols), beta, c.data,
              static_cast<int>(c.cols));
}

const char* blas_core_name() { return openblas_get_corename(); }

const char* blas_config() { return openblas_get_config(); }

void set_blas_threads(int threads) { openblas_set_num_threads(std::max(1, threads)); }

int default_blas_threads(int ranks_on_node) {
  if (const char* env = std::getenv("OPENBLAS_NUM_THREADS"); env && std::atoi(env) > 0) {
    return std::atoi(env);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, ranks_on_node));
}

}  // namespace mnist_dp
