// The shared-memory window: rank 0's part holds the common area and its
// slot, every other rank's part its slot. The window stays in one passive
// epoch (MPI_Win_lock_all) for its whole life; a fence is MPI_Win_sync (a
// memory barrier for the window), a watched barrier, and MPI_Win_sync again.
#include "mpi_shared_memory.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kAlignFloats = 16;  // 64 bytes

std::size_t aligned(std::size_t floats) {
  return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
}

}  // namespace

std::unique_ptr<MpiSharedMemory> MpiSharedMemory::allocate(std::size_t slot_floats,
                                                           std::size_t common_floats,
                                                           MpiWatchdog& watchdog) {
  int rank = 0, size = 0, node_size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &node_size);
  MPI_Comm_free(&node);
  int all_here = node_size == size ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &all_here, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!all_here) return nullptr;

  const std::size_t mine = aligned(slot_floats) + (rank == 0 ? aligned(common_floats) : 0);
  void* base = nullptr;
  MPI_Win window;
  MPI_Win_allocate_shared(static_cast<MPI_Aint>(mine * sizeof(float)), sizeof(float), MPI_INFO_NULL,
                          MPI_COMM_WORLD, &base, &window);
  std::unique_ptr<MpiSharedMemory> memory(new MpiSharedMemory(window, watchdog));
  for (int r = 0; r < size; ++r) {
    MPI_Aint bytes = 0;
    int unit = 0;
    float* part = nullptr;
    MPI_Win_shared_query(window, r, &bytes, &unit, &part);
    if (r == 0) {
      memory->common_ = {part, common_floats};
      part += aligned(common_floats);
    }
    memory->slots_.emplace_back(part, slot_floats);
  }
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
  return memory;
}

MpiSharedMemory::~MpiSharedMemory() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
}

void MpiSharedMemory::fence() {
  MPI_Win_sync(window_);
  MPI_Request request;
  MPI_Ibarrier(MPI_COMM_WORLD, &request);
  watchdog_.finish(request, "shared_fence");
  MPI_Win_sync(window_);
}

}  // namespace mnist_dp
