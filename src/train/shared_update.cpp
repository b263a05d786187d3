// The optimizer pass shared by a node's ranks (see shared_update.hpp).
//
// Control memory, one 64-byte line per word so that no two ranks write the
// same line: first each segment's claim word, (tag << 32) | chunks taken
// (a word with an older tag counts as none taken), then each rank's progress
// word, (tag << 16) | tensors complete counting from the last, then each
// rank's finish line: the tag of the last step it finished, followed by that
// step's sums. Words only grow within a step, and the tag grows every step,
// so no word is ever reset. A rank rewrites its finish line only after the
// next step's pass, which cannot end before every rank has published
// progress in that step (there are always chunks: only first-kernel rows
// are ever left out), which a rank does only after reading the others'
// finish lines.
#include "mnist_dp/train/shared_update.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <stdexcept>

#include "mnist_dp/comm/communicator.hpp"
#include "mnist_dp/core/streaming_stores.hpp"

namespace mnist_dp {
namespace {

constexpr std::size_t kLineFloats = 16;
constexpr std::size_t kProgressShift = 16;  // tensors per model stay below 2^16

using Clock = std::chrono::steady_clock;

// The elements of tensor `t` in rank `rank`'s home: those of its block of
// the rows, or its block of the elements of a vector (one row).
IndexRange home_elements(const ParamTensor& t, int rank, int ranks) {
  if (t.rows == 1) {
    const Block b = block_of(t.cols, rank, ranks);
    return {t.offset + b.begin, t.offset + b.end};
  }
  const Block rows = block_of(t.rows, rank, ranks);
  return {t.offset + rows.begin * t.cols, t.offset + rows.end * t.cols};
}

}  // namespace

std::size_t SharedUpdate::control_floats(int ranks) {
  return 3 * static_cast<std::size_t>(ranks) * kLineFloats;
}

SharedUpdate::SharedUpdate(const ParameterBuffer& params, int ranks, int me,
                           std::span<float> control, std::span<const IndexRange> unchanging,
                           std::size_t chunk_floats)
    : params_(params), ranks_(ranks), me_(me), control_(control) {
  const std::vector<ParamTensor>& tensors = params.tensors();
  if (control.size() < control_floats(ranks) || tensors.size() >= (1u << kProgressShift)) {
    throw std::invalid_argument("SharedUpdate: control memory too small or too many tensors");
  }
  for (int s = 0; s < ranks; ++s) {
    segment_at_.push_back(chunks_.size());
    for (std::size_t t = tensors.size(); t-- > 0;) {  // backward's order
      const IndexRange home = home_elements(tensors[t], s, ranks);
      // Whole rows where a row fits: the streaming stores go by rows.
      const std::size_t step =
          tensors[t].rows == 1
              ? chunk_floats
              : std::max<std::size_t>(1, chunk_floats / tensors[t].cols) * tensors[t].cols;
      // The home less the unchanging ranges, each piece in chunks.
      std::size_t at = home.begin;
      for (std::size_t u = 0; at < home.end; ++u) {
        const bool skip = u < unchanging.size();
        const std::size_t piece_end =
            skip ? std::clamp(unchanging[u].begin, at, home.end) : home.end;
        for (std::size_t c = at; c < piece_end; c += step) {
          chunks_.push_back({{c, std::min(c + step, piece_end)}, t});
        }
        at = skip ? std::max(piece_end, std::min(unchanging[u].end, home.end)) : home.end;
      }
    }
  }
  segment_at_.push_back(chunks_.size());
  written_.assign(tensors.size(), 0);
  mine_.assign(chunks_.size(), 0);
}

std::vector<IndexRange> SharedUpdate::home_rows() const {
  std::vector<IndexRange> rows;
  for (const ParamTensor& t : params_.tensors()) {
    rows.push_back(t.rows == 1 ? IndexRange{0, 1} : block_of(t.rows, me_, ranks_));
  }
  return rows;
}

std::uint64_t* SharedUpdate::claim_word(int segment) const {
  return reinterpret_cast<std::uint64_t*>(control_.data() +
                                          static_cast<std::size_t>(segment) * kLineFloats);
}

std::uint64_t* SharedUpdate::progress_word(int rank) const {
  return reinterpret_cast<std::uint64_t*>(control_.data() +
                                          (static_cast<std::size_t>(ranks_ + rank)) * kLineFloats);
}

std::uint64_t* SharedUpdate::finish_line(int rank) const {
  return reinterpret_cast<std::uint64_t*>(
      control_.data() + (static_cast<std::size_t>(2 * ranks_ + rank)) * kLineFloats);
}

void SharedUpdate::start_step(std::uint32_t tag) {
  tag_ = tag;
  std::fill(written_.begin(), written_.end(), 0);
  std::fill(mine_.begin(), mine_.end(), 0);
  published_ = 0;
  all_ready_ = 0;
}

void SharedUpdate::gradient_written(std::size_t handle) {
  written_[handle] = 1;
  std::uint64_t completed = published_;
  while (completed < written_.size() && written_[written_.size() - 1 - completed]) ++completed;
  if (completed > published_) publish(completed);
}

void SharedUpdate::backward_done() {
  std::fill(written_.begin(), written_.end(), 1);
  if (published_ < written_.size()) publish(written_.size());
}

void SharedUpdate::publish(std::uint64_t completed) {
  published_ = completed;
  streaming_stores_done();  // the gradient's streamed rows before the word
  std::atomic_ref<std::uint64_t>(*progress_word(me_))
      .store((std::uint64_t{tag_} << kProgressShift) | completed, std::memory_order_release);
}

bool SharedUpdate::ready(std::size_t tensor) {
  const std::uint64_t needed = written_.size() - tensor;
  if (all_ready_ >= needed) return true;
  const std::uint64_t base = std::uint64_t{tag_} << kProgressShift;
  std::uint64_t least = written_.size();
  for (int r = 0; r < ranks_; ++r) {
    const std::uint64_t p =
        std::atomic_ref<std::uint64_t>(*progress_word(r)).load(std::memory_order_acquire);
    least = std::min(least, p >= base ? p - base : 0);
  }
  all_ready_ = least;
  return all_ready_ >= needed;
}

std::size_t SharedUpdate::take_from(int segment) {
  std::atomic_ref<std::uint64_t> word(*claim_word(segment));
  const std::size_t first = segment_at_[static_cast<std::size_t>(segment)];
  const std::size_t count = segment_at_[static_cast<std::size_t>(segment) + 1] - first;
  std::uint64_t seen = word.load(std::memory_order_acquire);
  for (;;) {
    const std::size_t taken = (seen >> 32) == tag_ ? (seen & 0xffffffffu) : 0;
    if (taken == count) return chunks_.size();
    if (!ready(chunks_[first + taken].tensor)) return kNone;
    const std::uint64_t next = (std::uint64_t{tag_} << 32) | (taken + 1);
    if (word.compare_exchange_weak(seen, next, std::memory_order_acq_rel)) return first + taken;
  }
}

std::size_t SharedUpdate::take() {
  bool left = false;
  for (int i = 0; i < ranks_; ++i) {
    const std::size_t chunk = take_from((me_ + i) % ranks_);
    if (chunk < chunks_.size()) return chunk;
    left = left || chunk == kNone;
  }
  return left ? kNone : chunks_.size();
}

void SharedUpdate::run(SharedMemory& shared, FunctionRef<void(IndexRange)> update) {
  bool waiting = false;
  Clock::time_point wait_start;
  shared.run_until(
      [&] {
        const std::size_t chunk = take();
        if (chunk == kNone) {
          if (!waiting) wait_start = Clock::now();
          waiting = true;
          return false;
        }
        if (waiting) {
          waited_seconds_ += std::chrono::duration<double>(Clock::now() - wait_start).count();
          waiting = false;
        }
        if (chunk == chunks_.size()) return true;
        mine_[chunk] = 1;
        update(chunks_[chunk].elements);
        return false;
      },
      "shared_update");
}

void SharedUpdate::for_each_chunk_of_others(FunctionRef<void(IndexRange)> copy) const {
  for (std::size_t c = 0; c < chunks_.size(); ++c) {
    if (!mine_[c]) copy(chunks_[c].elements);
  }
}

void SharedUpdate::finish_step(SharedMemory& shared, std::span<double> sums) {
  if (sums.size() > kMaxStepSums) throw std::invalid_argument("SharedUpdate: too many step sums");
  std::uint64_t* const mine = finish_line(me_);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    std::atomic_ref<std::uint64_t>(mine[1 + i])
        .store(std::bit_cast<std::uint64_t>(sums[i]), std::memory_order_relaxed);
  }
  streaming_stores_done();  // the updated chunks' streamed copies before the word
  std::atomic_ref<std::uint64_t>(*mine).store(tag_, std::memory_order_release);
  shared.run_until(
      [&] {
        for (int r = 0; r < ranks_; ++r) {
          if (std::atomic_ref<std::uint64_t>(*finish_line(r)).load(std::memory_order_acquire) !=
              tag_) {
            return false;
          }
        }
        return true;
      },
      "step_sums");
  for (std::size_t i = 0; i < sums.size(); ++i) {
    double total = 0.0;
    for (int r = 0; r < ranks_; ++r) {
      total += std::bit_cast<double>(
          std::atomic_ref<std::uint64_t>(finish_line(r)[1 + i]).load(std::memory_order_relaxed));
    }
    sums[i] = total;
  }
}

}  // namespace mnist_dp
