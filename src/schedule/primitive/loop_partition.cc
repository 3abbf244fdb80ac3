// LoopPartition: a loop becomes consecutive sibling loops whose extents are the given
// parts (summing to its extent), each holding its own copy of the body, so that each
// part is scheduled on its own (a main part whose extent the vector length divides
// vectorizes without a predicate; the tail stays scalar).
//
// Every block instance runs at exactly the same point of the execution order as
// before: part k runs iterations [offset_k, offset_k + extent_k) of the old loop, in
// order. So only the copies' bindings change (`i` becomes `offset_k + i_p<k>`,
// simplified, with split predicates that became provably true dropped), and each
// copy's domain shrinks to what its bindings reach. What the state must be told:
//  - Names: blocks in part k become <block>_p<k>, loops <loop>_p<k>, and buffers that
//    blocks inside the loop allocate are renamed the same way. An intermediate buffer
//    of the scope that is touched only inside the loop (a stage computed at the loop)
//    gets one copy per part, so the parts share nothing they write.
//  - Reductions: when the loop feeds a reduction variable, all parts accumulate into
//    the same elements. Part 0 keeps the init; a later part provably never reaches the
//    init point (its reduction variable stays above its domain's minimum), so its
//    copy becomes an update block: no init, and it lists what it accumulates into
//    among its reads. A partition where that cannot be proved is refused.
//  - Any other buffer written inside the loop must be written at provably disjoint
//    elements by the parts; otherwise the partition is refused.
#include "../instruction_traits.h"

#include "tessera/arith/int_set.h"
#include "tessera/arith/region.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/visitor.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct LoopPartitionTraits : InstructionTraitsBase {
  static constexpr const char* kName = "LoopPartition";
  static constexpr const char* kMethod = "loop_partition";
  static constexpr std::array<const char*, 2> kArguments = {"loop", "extents"};
  static std::vector<LoopRV> apply(Schedule& sch, const LoopRV& loop,
                                   const std::vector<FactorArg>& extents) {
    return sch.loop_partition(loop, extents);
  }
};
const InstructionRegistration registration = register_instruction<LoopPartitionTraits>();
}  // namespace

namespace {

// Buffers allocated by the scope block and accessed nowhere outside `loop`.
std::vector<Buffer> private_intermediates(const BlockNode* scope, const ForNode* loop,
                                          const PrimFunc& func) {
  class Accesses : public IRVisitor {
   public:
    const ForNode* loop;
    std::set<const BufferNode*> outside;
    bool inside = false;
    void visit_for(const ForNode* op) override {
      bool was = inside;
      inside = inside || op == loop;
      IRVisitor::visit_for(op);
      inside = was;
    }
    void visit_buffer_load(const BufferLoadNode* op) override {
      if (!inside) outside.insert(op->buffer.get());
      IRVisitor::visit_buffer_load(op);
    }
    void visit_buffer_store(const BufferStoreNode* op) override {
      if (!inside) outside.insert(op->buffer.get());
      IRVisitor::visit_buffer_store(op);
    }
    void visit_region(const BufferRegion& r) override {
      if (!inside) outside.insert(r.buffer.get());
      IRVisitor::visit_region(r);
    }
  } accesses;
  accesses.loop = loop;
  accesses.visit_func(func);
  std::vector<Buffer> out;
  for (const Buffer& b : scope->alloc_buffers) {
    if (accesses.outside.count(b.get()) == 0) out.push_back(b);
  }
  return out;
}

// One part's copy of the loop body: fresh loop and iteration variables, renamed blocks
// and allocated buffers, bindings and predicates simplified for the part's range.
class PartCopier : public IRMutator {
 public:
  PartCopier(int part, std::set<std::string>& block_names, std::set<std::string>& names,
             Analyzer& az, std::unordered_map<const VarNode*, Expr> vars,
             std::unordered_map<const BufferNode*, Buffer> buffers,
             const std::set<const BlockNode*>& updates)
      : part_(part),
        block_names_(block_names),
        names_(names),
        az_(az),
        vars_(std::move(vars)),
        buffers_(std::move(buffers)),
        updates_(updates) {}

 protected:
  Expr mutate_var(const Expr& e) override {
    auto it = vars_.find(e.as<VarNode>());
    return it == vars_.end() ? e : it->second;
  }
  Buffer mutate_buffer(const Buffer& b) override {
    auto it = buffers_.find(b.get());
    return it == buffers_.end() ? b : it->second;
  }
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    Var fresh(suffixed(op->loop_var.name()), op->loop_var.dtype());
    vars_[op->loop_var.get()] = fresh;
    Expr min = mutate_expr(op->min), extent = mutate_expr(op->extent);
    auto cmin = as_const_int(min), cextent = as_const_int(extent);
    if (cmin && cextent && *cextent > 0) az_.bind(fresh, *cmin, *cextent);
    Stmt body = mutate_stmt(op->body);
    (void)s;
    return make_for(fresh, min, extent, op->for_kind, body, op->thread_tag, op->annotations);
  }
  Stmt mutate_block_realize(const BlockRealizeNode* op, const Stmt&) override {
    std::vector<Expr> values;
    for (const Expr& v : op->iter_values) values.push_back(az_.simplify(mutate_expr(v)));
    Expr predicate = az_.simplify(mutate_expr(op->predicate));
    if (az_.can_prove(predicate)) predicate = make_bool(true);
    // Each copy's domain shrinks to what its bindings reach, so that a primitive that
    // regenerates the block's loops (compute_at) covers this part only.
    domains_.clear();
    for (const Expr& v : values) domains_.push_back(az_.const_int_bound(v));
    return make_block_realize(std::move(values), predicate, mutate_stmt(op->block));
  }
  Stmt mutate_block(const BlockNode* op, const Stmt&) override {
    std::vector<IterVar> iter_vars;
    std::vector<ConstIntBound> reach = std::move(domains_);
    domains_.clear();
    for (size_t i = 0; i < op->iter_vars.size(); ++i) {
      const IterVar& iv = op->iter_vars[i];
      Var fresh(iv.var.name(), iv.var.dtype());
      vars_[iv.var.get()] = fresh;
      Range dom{mutate_expr(iv.dom.min), mutate_expr(iv.dom.extent)};
      auto mn = as_const_int(dom.min), ex = as_const_int(dom.extent);
      if (i < reach.size() && mn && ex) {
        int64_t lo = std::max(*mn, reach[i].min), hi = std::min(*mn + *ex - 1, reach[i].max);
        if (lo <= hi)
          dom = Range{make_int(lo, iv.var.dtype()), make_int(hi - lo + 1, iv.var.dtype())};
      }
      iter_vars.push_back(IterVar{fresh, dom, iv.kind});
    }
    for (const Buffer& b : op->alloc_buffers)
      buffers_[b.get()] = b.with_name(fresh_name(names_, suffixed(b->name)));
    for (const MatchBufferRegion& m : op->match_buffers)
      buffers_[m.buffer.get()] = m.buffer.with_name(fresh_name(names_, suffixed(m.buffer->name)));
    BlockFields f{fresh_name(block_names_, suffixed(op->name)),
                  std::move(iter_vars),
                  {},
                  {},
                  Stmt(),
                  Stmt(),
                  {},
                  {},
                  op->annotations};
    for (const BufferRegion& r : op->reads) f.reads.push_back(mutate_region(r));
    for (const BufferRegion& r : op->writes) f.writes.push_back(mutate_region(r));
    for (const Buffer& b : op->alloc_buffers) f.alloc_buffers.push_back(mutate_buffer(b));
    for (const MatchBufferRegion& m : op->match_buffers)
      f.match_buffers.push_back(
          MatchBufferRegion{mutate_buffer(m.buffer), mutate_region(m.source)});
    if (updates_.count(op) != 0) {
      // An accumulation that starts in an earlier part: what it writes, it also reads.
      for (const BufferRegion& w : f.writes) f.reads.push_back(w);
    } else if (op->init.defined()) {
      f.init = mutate_stmt(op->init);
    }
    f.body = mutate_stmt(op->body);
    return make_block(std::move(f));
  }

 private:
  std::string suffixed(const std::string& name) const { return fmt::format("{}_p{}", name, part_); }

  int part_;
  std::set<std::string>& block_names_;
  std::set<std::string>& names_;  // buffers
  Analyzer& az_;
  std::unordered_map<const VarNode*, Expr> vars_;
  std::unordered_map<const BufferNode*, Buffer> buffers_;
  const std::set<const BlockNode*>& updates_;
  std::vector<ConstIntBound> domains_;  // what the realization being copied reaches
};

// Replaces the loop by its parts and the scope's private intermediates by their copies.
class PartitionRewriter : public IRMutator {
 public:
  PartitionRewriter(const ForNode* loop, Stmt parts, const BlockNode* scope,
                    std::map<const BufferNode*, std::vector<Buffer>> copies)
      : loop_(loop), parts_(std::move(parts)), scope_(scope), copies_(std::move(copies)) {}

  Stmt mutate_stmt(const Stmt& s) override {
    return s.get() == loop_ ? parts_ : IRMutator::mutate_stmt(s);
  }

 protected:
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    Stmt out = IRMutator::mutate_block(op, s);
    if (op != scope_ || copies_.empty()) return out;
    auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
    std::vector<Buffer> allocs;
    for (const Buffer& b : node->alloc_buffers) {
      auto it = copies_.find(b.get());
      if (it == copies_.end())
        allocs.push_back(b);
      else
        allocs.insert(allocs.end(), it->second.begin(), it->second.end());
    }
    node->alloc_buffers = std::move(allocs);
    return Stmt(node);
  }

 private:
  const ForNode* loop_;
  Stmt parts_;
  const BlockNode* scope_;
  std::map<const BufferNode*, std::vector<Buffer>> copies_;
};

std::vector<int64_t> part_extents(const Schedule& sch, const ForNode* loop, int64_t extent,
                                  const std::vector<FactorArg>& parts) {
  const std::string& name = loop->loop_var.name();
  if (parts.size() < 2)
    schedule_fail(sch, "loop_partition",
                  fmt::format("needs at least 2 parts, got {}", parts.size()), loop);
  std::vector<int64_t> values(parts.size(), 0);
  int inferred = -1;
  int64_t sum = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto& v = parts[i].value();
    if (parts[i].inferred()) {
      if (inferred >= 0)
        schedule_fail(sch, "loop_partition",
                      "at most one part's extent may be inferred (std::nullopt/null)", loop);
      inferred = static_cast<int>(i);
      continue;
    }
    values[i] =
        std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : sch.get(std::get<ExprRV>(v));
    if (values[i] < 1)
      schedule_fail(sch, "loop_partition",
                    fmt::format("part {} has extent {}; extents must be positive", i, values[i]),
                    loop);
    sum += values[i];
  }
  if (inferred >= 0) {
    values[static_cast<size_t>(inferred)] = extent - sum;
    if (extent - sum < 1) {
      schedule_fail(sch, "loop_partition",
                    fmt::format("the given parts sum to {}, leaving {} for the inferred part {} of "
                                "loop '{}' (extent {})",
                                sum, extent - sum, inferred, name, extent),
                    loop);
    }
    sum = extent;
  }
  if (sum != extent) {
    schedule_fail(sch, "loop_partition",
                  fmt::format("parts [{}] sum to {}, not to the extent {} of loop '{}'",
                              fmt::join(values, ", "), sum, extent, name),
                  loop);
  }
  return values;
}

}  // namespace

std::vector<LoopRV> Schedule::loop_partition(const LoopRV& loop_rv,
                                             const std::vector<FactorArg>& parts) {
  const std::string primitive = "loop_partition";
  const ForNode* loop = get(loop_rv);
  const std::string& name = loop->loop_var.name();
  if (loop->for_kind == ForKind::kThreadBinding) {
    schedule_fail(*this, primitive,
                  fmt::format("loop '{}' is bound to {}; its parts could not all be bound to it",
                              name, loop->thread_tag),
                  loop);
  }
  const int64_t extent = constant_extent(*this, primitive, loop);
  std::vector<int64_t> extents = part_extents(*this, loop, extent, parts);
  const ScheduleState::LoopEntry* entry = state_.find_loop(loop->loop_var.get());
  DataType t = loop->loop_var.dtype();

  // Blocks whose reduction the loop splits between the parts.
  std::set<const BlockNode*> accumulating;
  for (const BlockNode* b : state_.child_blocks(loop)) {
    const ScheduleState::BlockEntry* e = state_.find_block(b->name);
    if (e->scope != entry->scope) continue;
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (b->iter_vars[i].kind == IterKind::kReduce &&
          uses_var(e->realize->iter_values[i], loop->loop_var.get()))
        accumulating.insert(b);
    }
  }

  // Blocks and buffers are named apart: block C_p1 may sit next to buffer C_p1.
  std::set<std::string> block_names = used_names(*this, NameKind::kBlocks),
                        names = used_names(*this, NameKind::kBuffers);
  std::vector<Buffer> privates = private_intermediates(entry->scope, loop, func());
  std::map<const BufferNode*, std::vector<Buffer>> copies;
  std::vector<Stmt> part_loops;
  std::vector<Var> part_vars;
  int64_t offset = 0;
  for (size_t k = 0; k < extents.size(); ++k) {
    Var v(fmt::format("{}_p{}", name, k), t);
    part_vars.push_back(v);
    Analyzer az = analyzer_at(*this, loop);
    az.bind(v, 0, extents[k]);
    // A later part never reaching its blocks' init point is what makes it an update.
    std::set<const BlockNode*> updates;
    if (k > 0) {
      Analyzer probe = analyzer_at(*this, loop);
      probe.bind(loop->loop_var, offset, extents[k]);
      for (const BlockNode* b : accumulating) {
        if (!b->init.defined()) continue;  // already an update: it never starts the reduction
        const ScheduleState::BlockEntry* e = state_.find_block(b->name);
        bool past_start = false;
        for (size_t i = 0; i < b->iter_vars.size() && !past_start; ++i) {
          const IterVar& iv = b->iter_vars[i];
          if (iv.kind != IterKind::kReduce ||
              !uses_var(e->realize->iter_values[i], loop->loop_var.get()))
            continue;
          for (const ForNode* f : e->loops) {
            auto mn = as_const_int(f->min), ex = as_const_int(f->extent);
            if (f != loop && mn && ex && *ex > 0) probe.bind(f->loop_var, *mn, *ex);
          }
          past_start =
              probe.can_prove(make_binary(ExprKind::kLT, iv.dom.min, e->realize->iter_values[i]));
        }
        if (!past_start) {
          schedule_fail(*this, primitive,
                        fmt::format("loop '{}' feeds a reduction variable of block '{}', and part "
                                    "{} cannot be proved "
                                    "to start after the reduction's first step, so its copy could "
                                    "neither keep nor drop the init",
                                    name, b->name, k),
                        b);
        }
        updates.insert(b);
      }
    }
    std::unordered_map<const VarNode*, Expr> vars{
        {loop->loop_var.get(), az.simplify(make_binary(ExprKind::kAdd, v, make_int(offset, t)))}};
    std::unordered_map<const BufferNode*, Buffer> buffers;
    for (const Buffer& b : privates) {
      Buffer copy = b.with_name(fresh_name(names, fmt::format("{}_p{}", b->name, k)));
      buffers[b.get()] = copy;
      copies[b.get()].push_back(copy);
    }
    PartCopier copier(static_cast<int>(k), block_names, names, az, std::move(vars),
                      std::move(buffers), updates);
    Stmt body = copier.mutate_stmt(loop->body);
    part_loops.push_back(make_for(v, make_int(0, t), make_int(extents[k], t), loop->for_kind, body,
                                  loop->thread_tag, loop->annotations));
    offset += extents[k];
  }

  // Shared buffers written inside the loop: the parts must write different elements
  // (accumulations split by the partition excepted: those add up by design).
  std::set<const BufferNode*> accumulated;
  for (const BlockNode* b : accumulating) {
    for (const BufferRegion& w : b->writes) accumulated.insert(w.buffer.get());
  }
  std::set<const BufferNode*> private_set;
  for (const Buffer& b : privates) private_set.insert(b.get());
  std::map<const BufferNode*, Buffer> written;
  for (const BlockNode* b : state_.child_blocks(loop)) {
    for (const BufferRegion& w : b->writes) {
      if (private_set.count(w.buffer.get()) == 0 && accumulated.count(w.buffer.get()) == 0)
        written[w.buffer.get()] = w.buffer;
    }
  }
  Analyzer outer = analyzer_at(*this, loop);
  outer.unbind(loop->loop_var);
  for (const auto& [node, buffer] : written) {
    std::vector<std::vector<IntSet>> footprints;
    for (const Stmt& p : part_loops)
      footprints.push_back(touched_region(p, buffer, AccessKind::kWrite, outer));
    for (size_t a = 0; a < footprints.size(); ++a) {
      for (size_t b = a + 1; b < footprints.size(); ++b) {
        if (!regions_disjoint(footprints[a], footprints[b], outer)) {
          schedule_fail(
              *this, primitive,
              fmt::format(
                  "parts {} and {} of loop '{}' may write the same elements of '{}' (it is not a "
                  "stage private to the loop, nor an accumulation the loop splits)",
                  a, b, name, buffer->name),
              loop);
        }
      }
    }
  }

  PartitionRewriter rewriter(loop, make_seq(part_loops), entry->scope, std::move(copies));
  state_.replace_func(rewriter.mutate_func(func()), primitive);

  std::vector<LoopRV> out;
  for (const Var& v : part_vars) out.push_back(new_loop_rv(v));
  record_instruction<LoopPartitionTraits>(*this, out, loop_rv, parts);
  return out;
}

}  // namespace tessera
