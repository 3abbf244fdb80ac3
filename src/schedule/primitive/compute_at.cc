// ComputeAt: move a producer block under a loop that encloses its consumers, so
// that per iteration of the loop it computes exactly the part of its output the
// consumers under the loop read (region inference: arith/region.h).
#include "../instruction_traits.h"

#include <climits>

#include "tessera/arith/iter_map.h"
#include "tessera/arith/region.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ComputeAtTraits : InstructionTraitsBase {
  static constexpr const char* kName = "ComputeAt";
  static constexpr const char* kMethod = "compute_at";
  static constexpr std::array<const char*, 3> kArguments = {"block", "loop", "preserve_unit_loops"};
  static void apply(Schedule& sch, const BlockRV& block, const LoopRV& loop,
                    bool preserve_unit_loops) {
    sch.compute_at(block, loop, preserve_unit_loops);
  }
};
const InstructionRegistration registration = register_instruction<ComputeAtTraits>();
}  // namespace

namespace {

// Puts `nest` first (or last) in `loop`'s body and removes `remove`.
class Mover : public IRMutator {
 public:
  Mover(const ForNode* loop, Stmt nest, bool at_end, const StmtNode* remove)
      : loop_(loop), nest_(std::move(nest)), at_end_(at_end), remove_(remove) {}
  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() == remove_) return make_seq({});
    if (s.get() == loop_) {
      Stmt body = IRMutator::mutate_stmt(loop_->body);
      Stmt seq = at_end_ ? make_seq({body, nest_}) : make_seq({nest_, body});
      return make_for(loop_->loop_var, loop_->min, loop_->extent, loop_->for_kind, seq,
                      loop_->thread_tag, loop_->annotations);
    }
    return IRMutator::mutate_stmt(s);
  }

 private:
  const ForNode* loop_;
  Stmt nest_;
  bool at_end_;
  const StmtNode* remove_;
};

bool under(const ScheduleState& state, const BlockNode* block, const ForNode* loop) {
  for (const BlockNode* b : state.child_blocks(loop)) {
    if (b == block) return true;
  }
  return false;
}

}  // namespace

void schedule_detail::move_block_under_loop(Schedule& sch, const std::string& primitive,
                                            const BlockRV& block_rv, const LoopRV& loop_rv,
                                            bool preserve_unit_loops, bool reverse) {
  const BlockNode* b = sch.get(block_rv);
  const ForNode* loop = sch.get(loop_rv);
  const ScheduleState& state = sch.state();
  const ScheduleState::BlockEntry* entry = state.find_block(b->name);
  if (state.find_loop(loop->loop_var.get())->scope != entry->scope) {
    schedule_fail(sch, primitive,
                  fmt::format("block '{}' and loop '{}' are in different scopes", b->name,
                              loop->loop_var.name()),
                  loop);
  }
  if (under(state, b, loop)) {
    schedule_fail(
        sch, primitive,
        fmt::format("loop '{}' already encloses block '{}'", loop->loop_var.name(), b->name), loop);
  }
  for (const BufferRegion& r : b->reads) {
    for (const BufferRegion& w : b->writes) {
      if (r.buffer.same_as(w.buffer)) {
        schedule_fail(sch, primitive,
                      fmt::format("block '{}' reads '{}', which it also writes (a reduction update "
                                  "without its init); "
                                  "moving it could run it more than once per point",
                                  b->name, w.buffer->name),
                      b);
      }
    }
  }
  // The block's loops are regenerated over its domain; a block whose loops reach only
  // part of its reduction domain (a part of a partitioned reduction whose points are not
  // one interval) would then redo the other parts' steps (found by the random-schedule test).
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const IterVar& iv = b->iter_vars[i];
    if (iv.kind == IterKind::kReduce && !loops_cover_domain(*entry, i)) {
      schedule_fail(
          sch, primitive,
          fmt::format(
              "the loops of block '{}' do not iterate its reduction variable '{}' over exactly its "
              "domain (a part of a partitioned reduction?); moving it would redo other steps",
              b->name, iv.var.name()),
          b);
    }
  }
  if (!is_const_int(entry->realize->predicate, 1)) {
    schedule_fail(
        sch, primitive,
        fmt::format(
            "block '{}' has a predicate (from a non-divisible split); move it before splitting",
            b->name),
        b);
  }
  // The buffer that links the block with the blocks under the loop.
  std::vector<const BlockNode*> related =
      (reverse ? sch.state().producers(b) : sch.state().consumers(b));
  Buffer link;
  BufferRegion access;
  for (const BufferRegion& r : reverse ? b->reads : b->writes) {
    bool linked = std::any_of(related.begin(), related.end(), [&](const BlockNode* o) {
      if (!under(state, o, loop)) return false;
      for (const BufferRegion& x : reverse ? o->writes : o->reads) {
        if (x.buffer.same_as(r.buffer)) return true;
      }
      return false;
    });
    if (!linked) continue;
    if (link.defined()) {
      schedule_fail(sch, primitive,
                    fmt::format("block '{}' {} more than one buffer {} under loop '{}'", b->name,
                                reverse ? "reads" : "writes", reverse ? "produced" : "consumed",
                                loop->loop_var.name()),
                    b);
    }
    link = r.buffer;
    access = r;
  }
  if (!link.defined()) {
    schedule_fail(
        sch, primitive,
        fmt::format("no block under loop '{}' {} block '{}'", loop->loop_var.name(),
                    reverse ? "produces a buffer read by" : "consumes a buffer written by",
                    b->name),
        loop);
  }
  // Every other block on the far side of the link must be under the loop too.
  for (const BlockNode* o : related) {
    bool touches = false;
    for (const BufferRegion& x : reverse ? o->writes : o->reads)
      touches = touches || x.buffer.same_as(link);
    if (touches && !under(state, o, loop)) {
      schedule_fail(sch, primitive,
                    fmt::format("block '{}' also {} '{}' but is not under loop '{}'", o->name,
                                reverse ? "writes" : "reads", link->name, loop->loop_var.name()),
                    o);
    }
  }
  if (b->writes.size() != 1 && !reverse)
    schedule_fail(sch, primitive, fmt::format("block '{}' must write exactly one buffer", b->name),
                  b);
  // The block moves past the blocks between its nest and the loop's: none of them may
  // write what it reads, or touch what it writes (found by the random-schedule test).
  {
    int first = INT32_MAX, last = -1;
    for (const BlockNode* o : state.child_blocks(loop)) {
      first = std::min(first, state.find_block(o->name)->order);
      last = std::max(last, state.find_block(o->name)->order);
    }
    auto touches = [](const std::vector<BufferRegion>& a, const std::vector<BufferRegion>& c) {
      for (const BufferRegion& x : a) {
        for (const BufferRegion& y : c) {
          if (x.buffer.same_as(y.buffer)) return true;
        }
      }
      return false;
    };
    for (const BlockNode* o : state.child_blocks(entry->scope)) {
      const int order = state.find_block(o->name)->order;
      const bool between = reverse ? (order > last && order < entry->order)
                                   : (order > entry->order && order < first);
      if (!between || under(state, o, loop)) continue;
      if (touches(o->writes, b->reads) || touches(o->writes, b->writes) ||
          touches(o->reads, b->writes)) {
        schedule_fail(
            sch, primitive,
            fmt::format(
                "block '{}' runs between block '{}' and loop '{}' and uses the same buffers; "
                "moving the block past it would change what either computes",
                o->name, b->name, loop->loop_var.name()),
            o);
      }
    }
  }
  // A consumer that accumulates into the linked buffer (a reduction update without its
  // init) must not see its producer re-run between its reduction steps: no loop from
  // the scope down to the target loop may iterate its reduction.
  if (!reverse) {
    for (const BlockNode* o : related) {
      bool accumulates = std::any_of(o->writes.begin(), o->writes.end(),
                                     [&](const BufferRegion& w) { return w.buffer.same_as(link); });
      if (!accumulates) continue;
      const ScheduleState::BlockEntry* oe = state.find_block(o->name);
      for (const ForNode* l : oe->loops) {
        for (size_t i = 0; i < o->iter_vars.size(); ++i) {
          if (o->iter_vars[i].kind != IterKind::kReduce) continue;
          if (uses_var(oe->realize->iter_values[i], l->loop_var.get())) {
            schedule_fail(
                sch, primitive,
                fmt::format(
                    "loop '{}' iterates the reduction of block '{}', which accumulates into '{}': "
                    "block '{}' would run again between its steps",
                    l->loop_var.name(), o->name, link->name, b->name),
                l);
          }
        }
        if (l == loop) break;
      }
    }
  }
  std::vector<const VarNode*> dim_vars = dims_to_iter_vars(sch, primitive, b, access);
  Analyzer az = analyzer_at(sch, loop);
  std::vector<IntSet> region =
      touched_region(loop->body, link, reverse ? AccessKind::kWrite : AccessKind::kRead, az);
  std::vector<std::pair<Expr, Expr>> ranges;
  for (const IterVar& iv : b->iter_vars) {
    Expr max = make_binary(ExprKind::kSub, make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent),
                           make_int(1, iv.var.dtype()));
    std::pair<Expr, Expr> range{iv.dom.min, max};
    for (size_t d = 0; d < dim_vars.size(); ++d) {
      if (dim_vars[d] != iv.var.get()) continue;
      if (!region[d].has_lower_bound() || !region[d].has_upper_bound()) {
        schedule_fail(sch, primitive,
                      fmt::format("the region of '{}' along dimension {} is unbounded ({})",
                                  link->name, d, region[d].str()),
                      loop);
      }
      range = {region[d].min(), region[d].max()};
    }
    ranges.push_back(range);
  }
  Stmt nest = nest_over_region(sch, primitive, b, ranges, preserve_unit_loops, az);
  // A producer feeding a consumer that accumulates into its output (a decomposed init)
  // must write each element exactly once: regions over-approximated per iteration would
  // re-initialise elements an earlier iteration already accumulated (found by the
  // random-schedule test). Its new binding must be a bijection of all its loops.
  if (!reverse) {
    bool feeds_accumulation = std::any_of(related.begin(), related.end(), [&](const BlockNode* o) {
      return std::any_of(o->writes.begin(), o->writes.end(),
                         [&](const BufferRegion& w) { return w.buffer.same_as(link); });
    });
    if (feeds_accumulation) {
      std::vector<std::pair<Var, int64_t>> loops;
      std::vector<const ForNode*> outer = state.find_loop(loop->loop_var.get())->outer;
      outer.push_back(loop);
      for (const ForNode* l : outer)
        loops.push_back({l->loop_var, constant_extent(sch, primitive, l)});
      Stmt s = nest;
      while (const auto* f = s.as<ForNode>()) {
        loops.push_back({f->loop_var, *as_const_int(f->extent)});
        s = f->body;
      }
      const auto* realize = s.as<BlockRealizeNode>();
      Analyzer check;
      IterMapResult r = detect_iter_map(realize->iter_values, loops, realize->predicate,
                                        IterMapLevel::kBijective, check);
      if (!r.ok()) {
        schedule_fail(
            sch, primitive,
            fmt::format(
                "block '{}' feeds an accumulation into '{}' and would run more than once on some "
                "elements under loop '{}' ({})",
                b->name, link->name, loop->loop_var.name(), r.failure),
            loop);
      }
    }
  }
  Mover mover(loop, nest, reverse, exclusive_subtree(sch, primitive, b));
  ScheduleAccess::mutable_state(sch).replace_func(mover.mutate_func(sch.func()), primitive);
}

void Schedule::compute_at(const BlockRV& block, const LoopRV& loop, bool preserve_unit_loops) {
  // The static root/inline locations (LoopRV::root(), LoopRV::inlined()) are not in the
  // trace's namespace: record what they do. Sampled locations are recorded as ComputeAt.
  const bool sampled = !loop.is_root() && !loop.is_inlined();
  switch (location_of(loop)) {
    case Location::kInline: {
      if (!sampled) return compute_inline(block);
      std::optional<Trace> saved;  // record one ComputeAt, not a ComputeInline
      saved.swap(trace_);
      try {
        compute_inline(block);
      } catch (...) {
        saved.swap(trace_);
        throw;
      }
      saved.swap(trace_);
      break;
    }
    case Location::kRoot:
      if (!sampled) return;
      get(block);
      break;
    case Location::kLoop:
      move_block_under_loop(*this, "compute_at", block, loop, preserve_unit_loops,
                            /*reverse=*/false);
      break;
  }
  record_instruction<ComputeAtTraits>(*this, {}, block, loop, preserve_unit_loops);
}

}  // namespace tessera
