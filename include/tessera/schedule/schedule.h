// Schedule: transforms a PrimFunc through primitives. A traced schedule records
// every call as an instruction (so the result can be replayed, printed as C++ or
// stored); a concrete one only applies. Sampling instructions draw decisions
// from the schedule's deterministic generator, or take a given decision.
//
//   Schedule sch(workloads::get("gemm:m=512,n=512,k=512").func, /*seed=*/1);
//   BlockRV c = sch.get_block("C");
//   std::vector<LoopRV> l = sch.get_loops(c);
//   std::vector<LoopRV> i = sch.split(l[0], {std::nullopt, 32});
//   sch.parallel(i[0]);
//   std::puts(sch.trace()->as_cpp().c_str());
//
// A primitive that fails throws ScheduleError and leaves the program, every
// random variable and the trace exactly as they were.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "tessera/arith/index_map.h"
#include "tessera/ir/function.h"
#include "tessera/schedule/random_variables.h"
#include "tessera/schedule/state.h"
#include "tessera/schedule/trace.h"
#include "tessera/support/random.h"

namespace tessera {

/// Which of a block's buffer regions a layout primitive means: reads[i] or writes[i].
enum class BufferIndexKind { kRead, kWrite };

/// An annotation value as a primitive argument: an integer, an ExprRV, a real or a string.
using AnnotationArg = std::variant<int64_t, ExprRV, double, std::string>;

class Schedule {
 public:
  explicit Schedule(PrimFunc func, uint64_t seed = 0, bool traced = true, bool debug = false);

  /// An independent copy (cheap: the program is shared until one of them changes it).
  Schedule copy() const { return *this; }
  void seed(uint64_t seed) { rng_.seed_with(seed); }
  /// A seed for a child schedule, drawn from (and advancing) this schedule's stream.
  uint64_t fork_seed() { return rng_.next(); }

  const PrimFunc& func() const { return state_.func(); }
  const ScheduleState& state() const { return state_; }
  const Trace* trace() const { return trace_ ? &*trace_ : nullptr; }
  /// How samplers treat given decisions that do not fit (strict by default).
  void set_replay_mode(ReplayMode mode) { mode_ = mode; }
  ReplayMode replay_mode() const { return mode_; }

  // Resolving random variables (throws ScheduleError if the block/loop is gone).
  const BlockNode* get(const BlockRV& rv) const;
  const ForNode* get(const LoopRV& rv) const;
  int64_t get(const ExprRV& rv) const;

  // ---- navigation --------------------------------------------------------------
  BlockRV get_block(const std::string& name);
  std::vector<LoopRV> get_loops(const BlockRV& block);
  std::vector<BlockRV> get_child_blocks(const BlockRV& block);
  std::vector<BlockRV> get_child_blocks(const LoopRV& loop);
  std::vector<BlockRV> get_producers(const BlockRV& block);
  std::vector<BlockRV> get_consumers(const BlockRV& block);

  // ---- loops -------------------------------------------------------------------
  /// Splits `loop` into factors.size() nested loops, outermost first. At most one
  /// factor may be std::nullopt (inferred as the ceiling quotient); when the
  /// factors' product exceeds the extent, the blocks under it get a predicate.
  std::vector<LoopRV> split(const LoopRV& loop, const std::vector<FactorArg>& factors);
  std::vector<LoopRV> split(const LoopRV& loop, const std::vector<ExprRV>& factors);
  /// Fuses perfectly nested loops (outermost first) into one.
  LoopRV fuse(const std::vector<LoopRV>& loops);
  /// Puts the given loops, which lie on one perfectly nested chain, in this order.
  void reorder(const std::vector<LoopRV>& order);
  /// Merges sibling loops with equal bounds (under one parent) into the first: one
  /// loop whose body runs their bodies in order.
  LoopRV merge(const std::vector<LoopRV>& loops);
  /// Wraps a block (its realization) or a loop in a new loop of extent 1.
  LoopRV add_unit_loop(const BlockRV& block);
  LoopRV add_unit_loop(const LoopRV& loop);
  /// Cuts `loop` into consecutive sibling loops with the given extents (summing to its
  /// extent; at most one std::nullopt, inferred), each with its own copy of the body:
  /// blocks of part k are renamed <block>_p<k>, stages private to the loop get a buffer
  /// per part, and a reduction the loop splits keeps its init in part 0 only (later
  /// parts become update blocks). The RVs of the loop and of everything under it are
  /// invalid afterwards. Returns the parts' loops.
  std::vector<LoopRV> loop_partition(const LoopRV& loop, const std::vector<FactorArg>& extents);

  // ---- loop kinds --------------------------------------------------------------
  void parallel(const LoopRV& loop);
  void vectorize(const LoopRV& loop);
  void unroll(const LoopRV& loop);
  /// Binds a loop to a GPU thread axis: blockIdx.{x,y,z}, threadIdx.{x,y,z} or vthread.{x,y,z}.
  void bind(const LoopRV& loop, const std::string& thread_axis);

  // ---- compute location ----------------------------------------------------------
  /// Moves a producer block under `loop` (which must enclose all its consumers) so that
  /// per iteration it computes what the consumers under the loop read. LoopRV::root()
  /// leaves it where it is; LoopRV::inlined() inlines it (sample_compute_location's choices).
  void compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops = false);
  /// Moves a consumer block under `loop` (which must enclose its producers) so that per
  /// iteration it consumes what the producers under the loop wrote.
  void reverse_compute_at(const BlockRV& block, const LoopRV& loop,
                          bool preserve_unit_loops = false);
  /// Folds a block computing B[v...] = f(v...) into every block reading B, and removes it.
  void compute_inline(const BlockRV& block);
  /// Folds a consumer that reads its producer's buffer only at its own point into the
  /// (complete, spatial) producer, and removes the consumer.
  void reverse_compute_inline(const BlockRV& block);

  /// A location for `block`: a loop of its first consumer where compute_at is legal,
  /// the root (LoopRV::root(): stay), or inline (LoopRV::inlined()) when legal,
  /// drawn uniformly; the decision is the consumer-loop index, -1 (root) or -2 (inline).
  LoopRV sample_compute_location(const BlockRV& block,
                                 std::optional<int64_t> decision = std::nullopt);

  // ---- reduction -----------------------------------------------------------------
  /// Moves a reduction block's init into a new block "<block>_init" placed before
  /// `loop` (one of the block's loops). Returns the new block.
  BlockRV decompose_reduction(const BlockRV& block, const LoopRV& loop);

  /// Splits the reduction over `loop` (which feeds part of one reduction variable of
  /// the single reduction block under it): block "<block>_rf" reduces everything but
  /// the loop into "<buffer>_rf" (one more dimension, at factor_axis, indexed by the
  /// loop); the original block then reduces that dimension. Returns the rf block.
  BlockRV rfactor(const LoopRV& loop, int64_t factor_axis);

  // ---- caches --------------------------------------------------------------------
  /// A block "<buffer>_<scope>" copying the part of read region `read_index`'s buffer
  /// that `block` reads into a new buffer of that name and scope, placed before the
  /// block's loop nest; `block` then reads the copy. Returns the new block.
  BlockRV cache_read(const BlockRV& block, int64_t read_index, const std::string& scope);
  /// `block` writes write region `write_index`'s buffer into a new buffer
  /// "<buffer>_<scope>"; a new block of that name copies it back after the block's
  /// loop nest. Returns the new block.
  BlockRV cache_write(const BlockRV& block, int64_t write_index, const std::string& scope);

  // ---- layout --------------------------------------------------------------------
  /// A block "<buffer>_reindex" copying the buffer of `block`'s region (reads or writes
  /// [buffer_index]) into a new buffer of that name indexed by the block's iteration
  /// variables that index it (in the block's order, shape = their extents), placed
  /// before the block's loop nest (a read) or after it, copying back (a write); `block`
  /// then accesses the new buffer at its iteration point. Returns the new block.
  BlockRV reindex(const BlockRV& block, int64_t buffer_index, BufferIndexKind kind);
  /// A new layout for the (intermediate) buffer of `block`'s region: every access
  /// [i...] becomes [index_map(i...)]. The map must be injective on the old shape; if
  /// it leaves elements of the new shape unmapped, `pad_value` is required and is
  /// written into the whole buffer before its first writer.
  void transform_layout(const BlockRV& block, int64_t buffer_index, BufferIndexKind kind,
                        const IndexMap& index_map, std::optional<double> pad_value = std::nullopt);
  /// A new iteration space for `block` (alone in its loop nest, each iteration variable
  /// bound to its own loop): the iteration point v... becomes index_map(v...), a
  /// bijection whose outputs each mix variables of one kind. The block's loops are
  /// replaced by one loop per new iteration variable.
  void transform_block_layout(const BlockRV& block, const IndexMap& index_map);
  /// Pads the iteration space of an einsum-like block (buffers indexed by iteration
  /// variables or constants) so that extent k becomes a multiple of padding[k]: inputs
  /// are copied into zero-padded <buffer>_pad buffers, the output is computed into
  /// <buffer>_pad and copied back. A padded reduction must add zeros (a sum of products).
  void pad_einsum(const BlockRV& block, const std::vector<int64_t>& padding);
  /// Splits a padding block (B[...] = if_then_else(cond, value, constant)) into
  /// <block>_pad_const, writing the constant everywhere under `loop` (placed before it),
  /// and the block copying only the in-bounds part over narrowed loops. Returns the new block.
  BlockRV decompose_padding(const BlockRV& block, const LoopRV& loop);
  /// The storage scope of write region `buffer_index`'s buffer (allocated by the
  /// program, not a parameter): global, shared, shared.dyn, local, warp or wmma.*.
  void set_scope(const BlockRV& block, int64_t buffer_index, const std::string& scope);
  /// Explicit strides for write region `buffer_index`'s buffer such that the stride of
  /// `axis` is factor * k + offset (0 <= offset < factor).
  void storage_align(const BlockRV& block, int64_t buffer_index, int64_t axis, int64_t factor,
                     int64_t offset);

  // ---- annotations ---------------------------------------------------------------
  void annotate(const BlockRV& block, const std::string& key, const AnnotationArg& value);
  void annotate(const LoopRV& loop, const std::string& key, const AnnotationArg& value);
  void unannotate(const BlockRV& block, const std::string& key);
  void unannotate(const LoopRV& loop, const std::string& key);

  // ---- sampling ------------------------------------------------------------------
  /// One of `candidates`, drawn with the given probabilities (or the decision: an index).
  ExprRV sample_categorical(const std::vector<int64_t>& candidates,
                            const std::vector<double>& probabilities,
                            std::optional<int64_t> decision = std::nullopt);
  /// n factors whose product is the loop's extent, the innermost at most
  /// `max_innermost_factor` (0: no limit); the decision is the factor list.
  std::vector<ExprRV> sample_perfect_tile(
      const LoopRV& loop, int n, int64_t max_innermost_factor,
      std::optional<std::vector<int64_t>> decision = std::nullopt);

  /// Marks where postprocessing starts (recorded in the trace, no effect on the program).
  void enter_postproc();

  /// What a LoopRV stands for: a loop, or one of the special compute locations.
  enum class Location { kLoop, kRoot, kInline };

 private:
  // The primitives' side of the schedule (src/schedule only: schedule_internal.h's
  // ScheduleAccess): recording instructions, minting random variables, the mutable state
  // and the sampling generator.
  friend class ScheduleAccess;
  /// Records an instruction (traced schedules only).
  void record(const std::string& kind, std::vector<InstInput> inputs, nlohmann::json attrs,
              std::vector<AnyRV> outputs, const nlohmann::json* decision = nullptr);
  BlockRV new_block_rv(const std::string& name);
  LoopRV new_loop_rv(const Var& loop_var);
  ExprRV new_expr_rv(int64_t value);
  ScheduleState& mutable_state() { return state_; }
  Location location_of(const LoopRV& rv) const;
  Random& rng() { return rng_; }

  ScheduleState state_;
  std::unordered_map<int64_t, std::string> block_rvs_;  // BlockRV -> block name
  std::unordered_map<int64_t, Var> loop_rvs_;           // LoopRV -> loop variable
  std::unordered_map<int64_t, int64_t> expr_rvs_;       // ExprRV -> value
  std::unordered_map<int64_t, Location> locations_;     // LoopRVs sampled as root / inline
  int64_t next_id_ = 0;
  std::optional<Trace> trace_;
  Random rng_;
  ReplayMode mode_ = ReplayMode::kStrict;
};

}  // namespace tessera
