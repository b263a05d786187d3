// The version report: compile-time facts from CMake, the rest asked of the
// libraries at run time (the ones actually loaded, not the headers').
#include "mnist_dp/app/version.hpp"

#include "mnist_dp/comm/mpi_communicator.hpp"
#include "mnist_dp/io/checkpoint.hpp"
#include "mnist_dp/nn/dense_products.hpp"

namespace mnist_dp {

std::string version_text() {
  return std::string("mnist_dp ") + MNIST_DP_VERSION + " (" + MNIST_DP_BUILD_TYPE + " build)\n" +
         "MPI: " + mpi_library_version() + "\n" + "Products: " + dense_products_isa() +
         " vectors\n" + "HDF5: " + hdf5_version() + "\n";
}

}  // namespace mnist_dp
