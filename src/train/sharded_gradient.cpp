// Shard-by-shard forward and backward, the piece exchange, the canonical sum.
#include "mnist_dp/train/sharded_gradient.hpp"

#include <algorithm>
#include <stdexcept>

#include "mnist_dp/nn/softmax_cross_entropy.hpp"

namespace mnist_dp {
namespace {

constexpr int kPieceTag = 100;  // + the piece's index among its owner's pieces

}  // namespace

ShardedGradient::Plan::Plan(std::size_t shard_count, int rank, int ranks)
    : shards(shard_count),
      pieces(batch_pieces(shard_count, ranks)),
      sum(shard_count, pieces),
      buffer_on_owner(pieces.size(), 0) {
  std::vector<std::size_t> next_buffer(static_cast<std::size_t>(ranks), 0);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const Piece& p = pieces[i];
    // run() gives a piece the owner's next free buffer (a tree node's value
    // ends in the first of its groups' buffers).
    std::size_t& next = next_buffer[static_cast<std::size_t>(p.rank)];
    buffer_on_owner[i] = next;
    next += p.kind == Piece::kTreeNode ? p.hi - p.lo : 1;
  }
  buffers = next_buffer[static_cast<std::size_t>(rank)];
}

ShardedGradient::ShardedGradient(Model& model, Communicator& comm,
                                 std::span<const std::size_t> batch_sizes)
    : model_(model), comm_(comm), shard_sums_(0) {
  const std::size_t n = model.params().size();
  const std::size_t block = block_of(n, comm.rank(), comm.size()).size();
  std::size_t buffers = 0, scratch = 0, shards = 0;
  for (std::size_t samples : batch_sizes) {
    plans_.emplace_back(shard_count(samples), comm.rank(), comm.size());
    const Plan& p = plans_.back();
    buffers = std::max(buffers, p.buffers);
    scratch = std::max(scratch, p.sum.scratch_slices());
    shards = std::max(shards, p.shards);
  }
  stride_ = cache_line_floats(n);  // buffers start on 64-byte boundaries
  own_storage_.resize(buffers * stride_);
  set_buffers(own_storage_.data(), buffers);
  group_views_.reserve(buffers);
  scratch_.assign(scratch, std::vector<float>(block));
  shard_sums_ = OrderedSums(shards);
  wire();
}

std::size_t ShardedGradient::buffer_floats() const { return buffers_.size() * stride_; }

void ShardedGradient::set_buffers(float* base, std::size_t count) {
  buffers_.clear();
  for (std::size_t b = 0; b < count; ++b) {
    buffers_.emplace_back(base + b * stride_, model_.params().size());
  }
}

bool ShardedGradient::reads_in_place(int r) const {
  return r == comm_.rank() || (shared_ && comm_.layout().same_node(r, comm_.rank()));
}

// A piece's tag comes from its index among its owner's pieces, so a message matches
// its receive whatever order the transfers are posted in.
void ShardedGradient::wire() {
  const std::size_t n = model_.params().size();
  const int me = comm_.rank();
  const Block own = block_of(n, me, comm_.size());
  std::size_t received = 0;
  for (const Plan& plan : plans_) {
    std::size_t far = 0;
    for (const Piece& p : plan.pieces) far += reads_in_place(p.rank) ? 0 : 1;
    received = std::max(received, far * own.size());
  }
  received_.assign(received, 0.0f);
  for (Plan& plan : plans_) {
    plan.inputs.clear();
    plan.sends.clear();
    plan.receives.clear();
    std::size_t at = 0;
    std::vector<int> index_on_owner(static_cast<std::size_t>(comm_.size()), 0);
    for (std::size_t i = 0; i < plan.pieces.size(); ++i) {
      const int owner = plan.pieces[i].rank;
      const int tag = kPieceTag + index_on_owner[static_cast<std::size_t>(owner)]++;
      if (reads_in_place(owner)) {
        float* value = shared_ ? shared_->slot(owner).data() + plan.buffer_on_owner[i] * stride_
                               : buffers_[plan.buffer_on_owner[i]].data();
        plan.inputs.push_back(value + own.begin);
      } else {
        plan.inputs.push_back(received_.data() + at);
        plan.receives.push_back({owner, tag, received_.data() + at, own.size()});
        at += own.size();
      }
      if (owner != me) continue;
      for (int q = 0; q < comm_.size(); ++q) {  // this piece's blocks for the far owners
        if (reads_in_place(q)) continue;
        const Block theirs = block_of(n, q, comm_.size());
        plan.sends.push_back(
            {q, tag, buffers_[plan.buffer_on_owner[i]].data() + theirs.begin, theirs.size()});
      }
    }
  }
}

void ShardedGradient::use_shared(SharedMemory& shared) {
  shared_ = &shared;
  set_buffers(shared.slot(comm_.rank()).data(), buffers_.size());
  own_storage_ = {};
  wire();
}

const ShardedGradient::Plan& ShardedGradient::plan_for(std::size_t samples) const {
  for (const Plan& p : plans_) {
    if (p.shards == shard_count(samples)) return p;
  }
  throw std::logic_error("ShardedGradient: no plan for this batch size");
}

void ShardedGradient::run_shard(std::size_t k, std::size_t first, std::size_t rows,
                                ConstMatrixView x, const std::uint8_t* labels,
                                const StepContext& ctx, float grad_scale) {
  const ConstMatrixView shard{x.row(first), rows, x.cols};
  StepContext shard_ctx = ctx;
  shard_ctx.first_position = k * kShardRows;
  const ConstMatrixView logits = model_.forward(shard_ctx, shard);
  const MatrixView grad_logits = model_.logits_grad_buffer(rows);
  const LossStats stats = softmax_cross_entropy(logits, labels + first, grad_scale, grad_logits);
  model_.backward(shard, grad_logits);
  shard_sums_.set(k, {stats.loss_sum, static_cast<double>(stats.correct)});
}

void ShardedGradient::chain(std::size_t lo, std::size_t hi, std::span<float> target,
                            std::size_t local_first, ConstMatrixView x, const std::uint8_t* labels,
                            const StepContext& ctx, float grad_scale) {
  for (std::size_t k = lo; k < hi; ++k) {
    model_.params().set_grad_target(target, k > lo);
    const std::size_t first = k * kShardRows - local_first;
    run_shard(k, first, std::min(kShardRows, x.rows - first), x, labels, ctx, grad_scale);
  }
  model_.params().reset_grad_target();
}

EvalSums ShardedGradient::run(const LocalBatch& batch, ConstMatrixView x,
                              const std::uint8_t* labels, std::uint64_t seed, std::uint64_t step,
                              std::span<float> block) {
  const Plan& plan = plan_for(batch.global_count);
  const StepContext ctx{true, seed, step, 0};
  const float scale = 1.0f / static_cast<float>(batch.global_count);
  const std::size_t local_first = batch.first_position;
  shard_sums_.clear();

  std::size_t next = 0;  // the next free buffer
  for (const Piece& piece : plan.pieces) {
    if (piece.rank != comm_.rank()) continue;
    if (piece.kind == Piece::kChain) {
      chain(piece.lo, piece.hi, buffers_[next++], local_first, x, labels, ctx, scale);
      continue;
    }
    group_views_.clear();
    for (std::size_t g = piece.lo; g < piece.hi; ++g, ++next) {
      chain(g * kGroupShards, group_end(g, plan.shards), buffers_[next], local_first, x, labels,
            ctx, scale);
      group_views_.emplace_back(buffers_[next]);
    }
    CanonicalSum::combine_groups(piece.lo, piece.hi, group_views_);
  }

  if (shared_) shared_->fence();  // the node's pieces complete before any rank reads them
  comm_.exchange(plan.sends, plan.receives, "piece_exchange");
  plan.sum.evaluate(plan.inputs, block, scratch_);

  return shard_sums_.gather(comm_, plan.shards);
}

}  // namespace mnist_dp
