// The shared-memory window: the node's first rank's part holds the common
// area and its slot, every other rank's part its slot. The window stays in
// one passive epoch (MPI_Win_lock_all) for its whole life; a fence is
// MPI_Win_sync (a memory barrier for the window), a watched barrier of the
// node's ranks, and MPI_Win_sync again.
#include "mpi_shared_memory.hpp"

#include <cstdint>

namespace mnist_dp {
namespace {

constexpr std::size_t kLineBytes = 64;
constexpr std::size_t kLineFloats = kLineBytes / sizeof(float);

}  // namespace

std::unique_ptr<MpiSharedMemory> MpiSharedMemory::allocate(std::size_t slot_floats,
                                                           std::size_t common_floats,
                                                           const NodeLayout& layout, int rank,
                                                           MpiWatchdog& watchdog) {
  MPI_Comm node;  // local ranks in world order, as in layout.ranks_on
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
  const std::span<const int> node_ranks = layout.ranks_on(layout.node_of(rank));
  const bool first = node_ranks.front() == rank;
  // One cache line more than the parts need: Open MPI 4.1's parts start 8
  // bytes past a cache line here, and each part's start is moved up to the
  // next one (the segment is mapped page-aligned in every process, so each
  // process computes the same place).
  const std::size_t mine =
      cache_line_floats(slot_floats) + (first ? cache_line_floats(common_floats) : 0) + kLineFloats;
  void* base = nullptr;
  MPI_Win window;
  MPI_Win_allocate_shared(static_cast<MPI_Aint>(mine * sizeof(float)), sizeof(float), MPI_INFO_NULL,
                          node, &base, &window);
  std::unique_ptr<MpiSharedMemory> memory(new MpiSharedMemory(node, window, watchdog));
  memory->slots_.resize(static_cast<std::size_t>(layout.ranks()));
  for (std::size_t local = 0; local < node_ranks.size(); ++local) {
    MPI_Aint bytes = 0;
    int unit = 0;
    float* part = nullptr;
    MPI_Win_shared_query(window, static_cast<int>(local), &bytes, &unit, &part);
    const std::uintptr_t past_line = reinterpret_cast<std::uintptr_t>(part) % kLineBytes;
    if (past_line != 0) part += (kLineBytes - past_line) / sizeof(float);
    if (local == 0) {
      memory->common_ = {part, common_floats};
      part += cache_line_floats(common_floats);
    }
    memory->slots_[static_cast<std::size_t>(node_ranks[local])] = {part, slot_floats};
  }
  MPI_Win_lock_all(MPI_MODE_NOCHECK, window);
  return memory;
}

MpiSharedMemory::~MpiSharedMemory() {
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
  MPI_Comm_free(&node_);
}

void MpiSharedMemory::fence() {
  MPI_Win_sync(window_);
  MPI_Request request;
  MPI_Ibarrier(node_, &request);
  watchdog_.finish(request, "shared_fence");
  MPI_Win_sync(window_);
}

void MpiSharedMemory::run_until(FunctionRef<bool()> done, const char* what) {
  watchdog_.begin();
  watchdog_.wait_until(done, what);
}

}  // namespace mnist_dp
