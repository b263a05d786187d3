// The shared-memory window: rank 0's part holds the common area and its
// slot, every other rank's part its slot. The window stays in one passive
// epoch (MPI_Win_lock_all) for its whole life; a fence is MPI_Win_sync (a
// memory barrier for the window), a watched barrier, and MPI_Win_sync again.
#include "mpi_shared_memory.hpp"

namespace mnist_dp {

std::unique_ptr<MpiSharedMemory> MpiSharedMemory::allocate(std::size_t slot_floats,
                                                           std::size_t common_floats, int rank,
                                                           int size, MpiWatchdog& watchdog) {
  const std::size_t mine =
      cache_line_floats(slot_floats) + (rank == 0 ? cache_line_floats(common_floats) : 0);
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
      part += cache_line_floats(common_floats);
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
