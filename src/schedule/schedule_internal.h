// Helpers shared by the schedule primitives (internal to src/schedule).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tessera/arith/analyzer.h"
#include "tessera/arith/region.h"
#include "tessera/ir/function.h"
#include "tessera/ir/visitor.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"

namespace tessera {

/// The primitives' access to a Schedule's internals, kept out of the public API: free
/// helpers of the primitives record instructions and mint random variables through it.
class ScheduleAccess {
 public:
  static void record(Schedule& sch, const std::string& kind, std::vector<InstInput> inputs,
                     nlohmann::json attrs, std::vector<AnyRV> outputs,
                     const nlohmann::json* decision = nullptr) {
    sch.record(kind, std::move(inputs), std::move(attrs), std::move(outputs), decision);
  }
  static BlockRV new_block_rv(Schedule& sch, const std::string& name) {
    return sch.new_block_rv(name);
  }
  static LoopRV new_loop_rv(Schedule& sch, const Var& loop_var) {
    return sch.new_loop_rv(loop_var);
  }
  static ExprRV new_expr_rv(Schedule& sch, int64_t value) { return sch.new_expr_rv(value); }
  static ScheduleState& mutable_state(Schedule& sch) { return sch.mutable_state(); }
  static Schedule::Location location_of(const Schedule& sch, const LoopRV& rv) {
    return sch.location_of(rv);
  }
};

}  // namespace tessera

namespace tessera::schedule_detail {

/// `func` with the statement whose node is `target` replaced by `replacement`
/// (ancestors rebuilt, everything else shared).
PrimFunc replace_stmt(const PrimFunc& func, const StmtNode* target, const Stmt& replacement);

/// `func` with the statement whose node is `target` replaced by `make(original)`, where
/// `original` is the owning handle of that statement.
PrimFunc replace_stmt_with(const PrimFunc& func, const StmtNode* target,
                           const std::function<Stmt(const Stmt&)>& make);

/// Throws ScheduleError(primitive, message) with `marked` highlighted in the current program.
[[noreturn]] void schedule_fail(const Schedule& sch, const std::string& primitive,
                                const std::string& message, const StmtNode* marked = nullptr);

/// The loop's constant extent; fails naming the primitive if it is not constant or does not start
/// at 0.
int64_t constant_extent(const Schedule& sch, const std::string& primitive, const ForNode* loop);

using tessera::uses_var;  // ir/visitor.h

/// "i, j + 1" for messages.
std::string print_indices(const std::vector<Expr>& indices);

/// JSON/C++ helpers for instruction kinds.
std::string cpp_list(const std::vector<std::string>& items);
/// "std::vector<LoopRV> l1_l3 = CALL;\nLoopRV l1 = l1_l3[0], ...;" or a single declaration.
std::string cpp_unpack(const std::string& type, const std::vector<std::string>& outputs,
                       const std::string& call);
std::string cpp_string(const std::string& s);

/// The statement to remove to delete `block` together with the loops that hold
/// nothing else: its outermost such loop, or its realization when its innermost
/// loop holds other statements too.
const StmtNode* exclusive_subtree(const Schedule& sch, const std::string& primitive,
                                  const BlockNode* block);

/// A block's read regions recomputed from its body (a reduction's own output excluded,
/// the convention of blocks made by te), with its iteration domains known.
std::vector<BufferRegion> recompute_reads(const BlockNode* block, const Stmt& body);

/// The loop nest that realizes `block` over a sub-domain: iteration variable k ranges
/// over `ranges[k]` (a symbolic [min, max], clipped here to its domain). Loops are
/// named ax0, ax1, ...; a non-constant extent becomes its constant bound plus a
/// predicate; unit loops are dropped unless `preserve_unit_loops`.
Stmt nest_over_region(const Schedule& sch, const std::string& primitive, const BlockNode* block,
                      const std::vector<std::pair<Expr, Expr>>& ranges, bool preserve_unit_loops,
                      Analyzer& az);

/// An analyzer that knows the ranges of `loop` and the loops around it.
Analyzer analyzer_at(const Schedule& sch, const ForNode* loop);

/// For a block accessing `buffer` at a point indexed by distinct spatial iteration
/// variables, the iteration variable of each buffer dimension; fails otherwise.
std::vector<const VarNode*> dims_to_iter_vars(const Schedule& sch, const std::string& primitive,
                                              const BlockNode* block, const BufferRegion& access);

/// compute_at (reverse = false: a producer before the blocks under the loop) and
/// reverse_compute_at (reverse = true: a consumer after them); defined in compute_at.cc.
void move_block_under_loop(Schedule& sch, const std::string& primitive, const BlockRV& block,
                           const LoopRV& loop, bool preserve_unit_loops, bool reverse);

/// A non-owning handle to a node of the current program (valid while the program is).
inline Stmt borrow(const StmtNode* node) {
  return Stmt(std::shared_ptr<const StmtNode>(node, [](const StmtNode*) {}));
}

/// A name not used by any block or buffer of the function: `base`, else base_1, base_2, ...
std::string fresh_name(const Schedule& sch, const std::string& base);
/// The names of the function's blocks, buffers, or both (for several fresh names at once).
enum class NameKind { kBlocks, kBuffers, kBoth };
std::set<std::string> used_names(const Schedule& sch, NameKind kind = NameKind::kBoth);
/// `base` or base_1, base_2, ... not in `used`; the name returned is added to `used`.
std::string fresh_name(std::set<std::string>& used, const std::string& base);

/// A loop nest with one block `name` copying region `region` (constant ranges) of
/// `src` into the same positions of `dst`.
Stmt copy_nest(const std::string& name, const Buffer& src, const Buffer& dst,
               const std::vector<Range>& region);

/// The region of one element of `buffer` at `indices`.
BufferRegion point_region(const Buffer& buffer, const std::vector<Expr>& indices);

/// A new stage next to a block (cache_read/cache_write, reindex): `copy` goes right
/// before (or after) `anchor`, `to` is allocated in `scope`, and block `target` accesses
/// `to` instead of `from`, at `point` when given (every load, store and region), else at
/// the same indices.
struct StageEdit {
  const BlockNode* target;
  Buffer from, to;
  std::vector<Expr> point;
  const StmtNode* anchor;
  Stmt copy;
  bool copy_after;
  const BlockNode* scope;
};
PrimFunc insert_stage(const PrimFunc& func, const StageEdit& edit);

/// A loop nest ax0, ax1, ... (one loop per iteration variable, over its constant
/// domain) realizing the block `fields` describes.
Stmt spatial_nest(BlockFields fields);

/// For a block alone in its loop nest whose every iteration variable is bound directly
/// to its own loop covering its domain (no predicate): the loop of each variable, in
/// iteration-variable order. Fails naming the primitive otherwise. (transform_block_layout.cc)
std::vector<const ForNode*> trivial_loops(const Schedule& sch, const std::string& primitive,
                                          const BlockNode* block);

/// The block's loops make iteration variable `i` take every value of its domain and
/// nothing else (an affine, surjective binding onto exactly the domain).
bool loops_cover_domain(const ScheduleState::BlockEntry& entry, size_t i);

/// Where a cache stage for `block`'s access of `buffer` goes, and what it copies: right
/// before (kRead) or after (kWrite) the loops that hold only this block, copying what
/// they touch per iteration of the loops around them (all of it when there are none).
struct CachePlacement {
  const StmtNode* anchor;     // insert the stage before (kRead) / after (kWrite) this statement
  std::vector<Range> region;  // constant extents, mins in terms of the loops around the anchor
};
CachePlacement cache_placement(const Schedule& sch, const std::string& primitive,
                               const BlockNode* block, const Buffer& buffer, AccessKind kind);

/// The outermost statement of `block`'s loop nest in its scope (its outermost loop,
/// or its realization if it has none).
const StmtNode* nest_top(const Schedule& sch, const BlockNode* block);

/// cache_read (read = true) and cache_write; defined in cache_read.cc.
BlockRV cache_stage(Schedule& sch, const std::string& primitive, const BlockRV& block,
                    int64_t index, const std::string& scope, bool read);

/// The buffer of `block`'s write region `index`, checked to be an intermediate the
/// program allocates (not a parameter, whose storage belongs to the caller).
const Buffer& written_intermediate(const Schedule& sch, const std::string& primitive,
                                   const BlockNode* block, int64_t index);

/// `func` with every reference to buffer `from` (allocations, regions, loads, stores) replaced by
/// `to`.
PrimFunc replace_buffer(const PrimFunc& func, const Buffer& from, const Buffer& to);

/// Changes a loop's kind (parallel, vectorize, unroll, bind) after the primitive's checks.
void change_loop_kind(Schedule& sch, const std::string& primitive, const LoopRV& loop, ForKind kind,
                      const std::string& thread_tag);

}  // namespace tessera::schedule_detail
