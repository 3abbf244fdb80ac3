#include "tessera/schedule/schedule.h"

#include "schedule_internal.h"
#include "tessera/arith/iter_map.h"
#include "tessera/arith/region.h"
#include "tessera/ir/op.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/visitor.h"

#include <set>
#include "tessera/ir/printer.h"

#include <functional>

namespace tessera {

Schedule::Schedule(PrimFunc func, uint64_t seed, bool traced, bool debug)
    : state_(std::move(func), debug), rng_(seed) {
  if (traced) trace_.emplace();
}

const BlockNode* Schedule::get(const BlockRV& rv) const {
  auto it = block_rvs_.find(rv.id);
  if (it == block_rvs_.end())
    throw ScheduleError("get", fmt::format("BlockRV #{} does not belong to this schedule", rv.id),
                        func(), nullptr);
  const ScheduleState::BlockEntry* e = state_.find_block(it->second);
  if (e == nullptr) {
    throw ScheduleError(
        "get",
        fmt::format("block '{}' no longer exists (a primitive removed or renamed it)", it->second),
        func(), nullptr);
  }
  return e->block;
}

Schedule::Location Schedule::location_of(const LoopRV& rv) const {
  if (rv.is_root()) return Location::kRoot;
  if (rv.is_inlined()) return Location::kInline;
  auto it = locations_.find(rv.id);
  return it == locations_.end() ? Location::kLoop : it->second;
}

const ForNode* Schedule::get(const LoopRV& rv) const {
  if (location_of(rv) != Location::kLoop) {
    throw ScheduleError("get", "this LoopRV is the root or inline compute location, not a loop",
                        func(), nullptr);
  }
  auto it = loop_rvs_.find(rv.id);
  if (it == loop_rvs_.end())
    throw ScheduleError("get", fmt::format("LoopRV #{} does not belong to this schedule", rv.id),
                        func(), nullptr);
  const ScheduleState::LoopEntry* e = state_.find_loop(it->second.get());
  if (e == nullptr) {
    throw ScheduleError("get",
                        fmt::format("loop '{}' no longer exists (it was split, fused or removed)",
                                    it->second.name()),
                        func(), nullptr);
  }
  return e->loop;
}

int64_t Schedule::get(const ExprRV& rv) const {
  auto it = expr_rvs_.find(rv.id);
  if (it == expr_rvs_.end())
    throw ScheduleError("get", fmt::format("ExprRV #{} does not belong to this schedule", rv.id),
                        func(), nullptr);
  return it->second;
}

void Schedule::record(const std::string& kind, std::vector<InstInput> inputs, nlohmann::json attrs,
                      std::vector<AnyRV> outputs, const nlohmann::json* decision) {
  if (!trace_) return;
  const InstructionKind* k = find_instruction_kind(kind);
  TESSERA_CHECK(k != nullptr, "instruction kind '{}' is not registered", kind);
  trace_->append(Instruction{k, std::move(inputs), std::move(attrs), std::move(outputs)}, decision);
}

BlockRV Schedule::new_block_rv(const std::string& name) {
  BlockRV rv{next_id_++};
  block_rvs_[rv.id] = name;
  return rv;
}

LoopRV Schedule::new_loop_rv(const Var& loop_var) {
  LoopRV rv{next_id_++};
  loop_rvs_[rv.id] = loop_var;
  return rv;
}

ExprRV Schedule::new_expr_rv(int64_t value) {
  ExprRV rv{next_id_++};
  expr_rvs_[rv.id] = value;
  return rv;
}

namespace schedule_detail {

PrimFunc replace_stmt_with(const PrimFunc& func, const StmtNode* target,
                           const std::function<Stmt(const Stmt&)>& make) {
  class Replacer : public IRMutator {
   public:
    Replacer(const StmtNode* target, const std::function<Stmt(const Stmt&)>& make)
        : target_(target), make_(make) {}
    Stmt mutate_stmt(const Stmt& s) override {
      if (s.get() == target_) {
        found = true;
        return make_(s);
      }
      return IRMutator::mutate_stmt(s);
    }
    bool found = false;

   private:
    const StmtNode* target_;
    const std::function<Stmt(const Stmt&)>& make_;
  };
  Replacer r(target, make);
  PrimFunc out = r.mutate_func(func);
  TESSERA_CHECK(r.found, "replace_stmt: the statement to replace is not in the function");
  return out;
}

PrimFunc replace_stmt(const PrimFunc& func, const StmtNode* target, const Stmt& replacement) {
  return replace_stmt_with(func, target, [&](const Stmt&) { return replacement; });
}

void schedule_fail(const Schedule& sch, const std::string& primitive, const std::string& message,
                   const StmtNode* marked) {
  throw ScheduleError(primitive, message, sch.func(), marked);
}

int64_t constant_extent(const Schedule& sch, const std::string& primitive, const ForNode* loop) {
  auto extent = as_const_int(loop->extent);
  if (!is_const_int(loop->min, 0) || !extent) {
    schedule_fail(
        sch, primitive,
        fmt::format("loop '{}' must start at 0 and have a constant extent", loop->loop_var.name()),
        loop);
  }
  return *extent;
}

std::string print_indices(const std::vector<Expr>& indices) {
  std::vector<std::string> parts;
  for (const Expr& e : indices) parts.push_back(print(e));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string cpp_list(const std::vector<std::string>& items) {
  return fmt::format("{{{}}}", fmt::join(items, ", "));
}

std::string cpp_unpack(const std::string& type, const std::vector<std::string>& outputs,
                       const std::string& call) {
  if (outputs.empty()) return call + ";";
  std::string vec =
      outputs.size() == 1 ? outputs[0] + "_all" : outputs.front() + "_" + outputs.back();
  std::string out = fmt::format("std::vector<{}> {} = {};\n{} ", type, vec, call, type);
  for (size_t i = 0; i < outputs.size(); ++i)
    out += fmt::format("{}{} = {}[{}]", i ? ", " : "", outputs[i], vec, i);
  return out + ";";
}

std::string cpp_string(const std::string& s) {
  nlohmann::json j = s;
  return j.dump();  // a JSON string literal is a valid C++ string literal for printable text
}

const StmtNode* exclusive_subtree(const Schedule& sch, const std::string& primitive,
                                  const BlockNode* block) {
  const ScheduleState::BlockEntry* e = sch.state().find_block(block->name);
  const StmtNode* top = e->realize;
  for (size_t i = e->loops.size(); i-- > 0;) {
    const ForNode* loop = e->loops[i];
    std::vector<const BlockNode*> children = sch.state().child_blocks(loop);
    if (children.size() != 1 || loop->body.get() != top) break;
    top = loop;
  }
  (void)primitive;
  return top;
}

std::vector<BufferRegion> recompute_reads(const BlockNode* block, const Stmt& body) {
  Analyzer az;
  for (const IterVar& iv : block->iter_vars) {
    auto min = as_const_int(iv.dom.min), extent = as_const_int(iv.dom.extent);
    if (min && extent) az.bind(iv.var, *min, *extent);
  }
  std::vector<Buffer> exclude;
  if (block->init.defined()) {
    for (const BufferRegion& w : block->writes) exclude.push_back(w.buffer);
  }
  return infer_access_regions(body, AccessKind::kRead, az, exclude);
}

Analyzer analyzer_at(const Schedule& sch, const ForNode* loop) {
  Analyzer az;
  const ScheduleState::LoopEntry* e = sch.state().find_loop(loop->loop_var.get());
  std::vector<const ForNode*> loops = e->outer;
  loops.push_back(loop);
  for (const ForNode* l : loops) {
    auto min = as_const_int(l->min), extent = as_const_int(l->extent);
    if (min && extent && *extent > 0) az.bind(l->loop_var, *min, *extent);
  }
  return az;
}

std::vector<const VarNode*> dims_to_iter_vars(const Schedule& sch, const std::string& primitive,
                                              const BlockNode* block, const BufferRegion& access) {
  std::vector<const VarNode*> out;
  for (const Range& r : access.region) {
    const auto* v = r.min.as<VarNode>();
    const IterVar* iv = nullptr;
    for (const IterVar& x : block->iter_vars) {
      if (x.var.get() == v) iv = &x;
    }
    if (iv == nullptr || iv->kind != IterKind::kSpatial || !is_const_int(r.extent, 1) ||
        std::find(out.begin(), out.end(), v) != out.end()) {
      schedule_fail(
          sch, primitive,
          fmt::format(
              "block '{}' must access '{}' at a point indexed by distinct spatial iteration "
              "variables (as {}[vi, vj]), not at this region",
              block->name, access.buffer->name, access.buffer->name),
          block);
    }
    out.push_back(v);
  }
  return out;
}

Stmt nest_over_region(const Schedule& sch, const std::string& primitive, const BlockNode* block,
                      const std::vector<std::pair<Expr, Expr>>& ranges, bool preserve_unit_loops,
                      Analyzer& az) {
  std::vector<Var> loop_vars;
  std::vector<int64_t> extents;
  std::vector<Expr> bindings;
  Expr predicate = make_bool(true);
  for (size_t k = 0; k < block->iter_vars.size(); ++k) {
    const IterVar& iv = block->iter_vars[k];
    DataType t = iv.var.dtype();
    Expr dom_max = make_binary(
        ExprKind::kSub, make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent), make_int(1, t));
    Expr lo = az.simplify(make_binary(ExprKind::kMax, ranges[k].first, iv.dom.min));
    Expr hi = az.simplify(make_binary(ExprKind::kMin, ranges[k].second, dom_max));
    // extent = min(h1, h2) - max(l1, l2) + 1, built as the min of the four differences so
    // that each one simplifies on its own (interval analysis of the combined form would
    // lose the correlation between, say, min(i*4 + 3, 9) and i*4).
    Expr extent;
    for (const Expr& h : {ranges[k].second, dom_max}) {
      for (const Expr& l : {ranges[k].first, iv.dom.min}) {
        Expr d = az.simplify(
            make_binary(ExprKind::kAdd, make_binary(ExprKind::kSub, h, l), make_int(1, t)));
        extent = extent.defined() ? az.simplify(make_binary(ExprKind::kMin, extent, d)) : d;
      }
    }
    auto constant = as_const_int(extent);
    int64_t bound = constant ? *constant : az.const_int_bound(extent).max;
    if (bound == ConstIntBound::kPosInf || bound <= 0) {
      schedule_fail(
          sch, primitive,
          fmt::format("the region of block '{}' along '{}' ([{}, {}]) has no constant bound",
                      block->name, iv.var.name(), print(lo), print(hi)),
          block);
    }
    if (bound == 1 && !preserve_unit_loops) {
      // The region may be empty for some outer iterations (a consumer under a
      // predicate): the point must still lie in the domain (found by the lowering test,
      // which runs schedules without debug verification).
      Expr inside = make_binary(
          ExprKind::kLT, lo, az.simplify(make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent)));
      if (!az.can_prove(inside)) predicate = logical_and(predicate, inside);
      bindings.push_back(lo);
      continue;
    }
    Var ax(fmt::format("ax{}", loop_vars.size()), t);
    loop_vars.push_back(ax);
    extents.push_back(bound);
    az.bind(ax, 0, bound);
    Expr binding = az.simplify(make_binary(ExprKind::kAdd, lo, ax));
    bindings.push_back(binding);
    // A loop over the constant bound of a varying extent may overshoot; computing the
    // extra points is harmless (the block is pure) as long as they stay in its domain.
    Expr dom_end = az.simplify(make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent));
    Expr inside = make_binary(ExprKind::kLT, binding, dom_end);
    if (!az.can_prove(inside)) predicate = logical_and(predicate, inside);
  }
  Stmt nest =
      make_block_realize(bindings, predicate, sch.state().find_block(block->name)->realize->block);
  for (size_t k = loop_vars.size(); k-- > 0;) {
    DataType t = loop_vars[k].dtype();
    nest = make_for(loop_vars[k], make_int(0, t), make_int(extents[k], t), ForKind::kSerial, nest);
  }
  return nest;
}

std::set<std::string> used_names(const Schedule& sch, NameKind kind) {
  std::set<std::string> used;
  if (kind != NameKind::kBuffers) {
    for (const BlockNode* b : sch.state().blocks()) used.insert(b->name);
    used.insert(sch.state().root_block()->name);
    if (kind == NameKind::kBlocks) return used;
  }
  class Buffers : public IRVisitor {
   public:
    std::set<std::string>* names;
    void visit_block(const BlockNode* op) override {
      for (const Buffer& b : op->alloc_buffers) names->insert(b->name);
      for (const MatchBufferRegion& m : op->match_buffers) names->insert(m.buffer->name);
      IRVisitor::visit_block(op);
    }
  } buffers;
  buffers.names = &used;
  buffers.visit_func(sch.func());
  for (const Buffer& p : sch.func()->params) used.insert(p->name);
  return used;
}

std::string fresh_name(std::set<std::string>& used, const std::string& base) {
  std::string name = base;
  for (int k = 1; used.count(name) != 0; ++k) name = fmt::format("{}_{}", base, k);
  used.insert(name);
  return name;
}

std::string fresh_name(const Schedule& sch, const std::string& base) {
  std::set<std::string> used = used_names(sch);
  return fresh_name(used, base);
}

BufferRegion point_region(const Buffer& buffer, const std::vector<Expr>& indices) {
  BufferRegion r{buffer, {}};
  for (const Expr& e : indices) r.region.push_back(Range{e, make_int(1, e.dtype())});
  return r;
}

bool loops_cover_domain(const ScheduleState::BlockEntry& entry, size_t i) {
  std::vector<std::pair<Var, int64_t>> loops;
  for (const ForNode* l : entry.loops) {
    auto mn = as_const_int(l->min), ex = as_const_int(l->extent);
    if (mn && *mn == 0 && ex && *ex > 0) loops.push_back({l->loop_var, *ex});
  }
  const IterVar& iv = entry.block->iter_vars[i];
  Analyzer az;
  IterMapResult r = detect_iter_map({entry.realize->iter_values[i]}, loops,
                                    entry.realize->predicate, IterMapLevel::kSurjective, az);
  return r.ok() && is_const_int(iv.dom.min, r.indices[0].base) &&
         is_const_int(iv.dom.extent, r.indices[0].extent);
}

namespace {

// See insert_stage.
class StageInserter : public IRMutator {
 public:
  explicit StageInserter(const StageEdit& edit) : e_(edit) {}

  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() != e_.anchor) return IRMutator::mutate_stmt(s);
    Stmt rewritten = IRMutator::mutate_stmt(s);
    return e_.copy_after ? make_seq({rewritten, e_.copy}) : make_seq({e_.copy, rewritten});
  }

 protected:
  // Same indices: every reference is redirected here. At a point: loads and stores are
  // rewritten below and regions afterwards (a region of `from` may have another rank).
  Buffer mutate_buffer(const Buffer& b) override {
    return inside_ && e_.point.empty() && b.same_as(e_.from) ? e_.to : b;
  }
  Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e) override {
    if (!inside_ || e_.point.empty() || !op->buffer.same_as(e_.from))
      return IRMutator::mutate_buffer_load(op, e);
    return make_load(e_.to, e_.point);
  }
  Stmt mutate_buffer_store(const BufferStoreNode* op, const Stmt& s) override {
    if (!inside_ || e_.point.empty() || !op->buffer.same_as(e_.from))
      return IRMutator::mutate_buffer_store(op, s);
    return make_store(e_.to, mutate_expr(op->value), e_.point);
  }
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    if (op == e_.target) {
      inside_ = true;
      Stmt out = IRMutator::mutate_block(op, s);
      inside_ = false;
      if (e_.point.empty()) return out;
      auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
      for (std::vector<BufferRegion>* regions : {&node->reads, &node->writes}) {
        for (BufferRegion& r : *regions) {
          if (r.buffer.same_as(e_.from)) r = point_region(e_.to, e_.point);
        }
      }
      return Stmt(node);
    }
    Stmt out = IRMutator::mutate_block(op, s);
    if (op != e_.scope) return out;
    auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
    node->alloc_buffers.push_back(e_.to);
    return Stmt(node);
  }

 private:
  const StageEdit& e_;
  bool inside_ = false;
};

}  // namespace

PrimFunc insert_stage(const PrimFunc& func, const StageEdit& edit) {
  StageInserter inserter(edit);
  return inserter.mutate_func(func);
}

Stmt spatial_nest(BlockFields fields) {
  std::vector<Var> loops;
  std::vector<Expr> bindings;
  std::vector<int64_t> extents;
  for (size_t d = 0; d < fields.iter_vars.size(); ++d) {
    const IterVar& iv = fields.iter_vars[d];
    DataType t = iv.var.dtype();
    auto extent = as_const_int(iv.dom.extent);
    if (!extent)
      fail("spatial_nest: iteration variable '{}' has a non-constant extent", iv.var.name());
    loops.push_back(Var(fmt::format("ax{}", d), t));
    extents.push_back(*extent);
    bindings.push_back(is_const_int(iv.dom.min, 0)
                           ? Expr(loops.back())
                           : make_binary(ExprKind::kAdd, iv.dom.min, loops.back()));
  }
  Stmt nest = make_block_realize(bindings, make_bool(true), make_block(std::move(fields)));
  for (size_t d = loops.size(); d-- > 0;) {
    DataType t = loops[d].dtype();
    nest = make_for(loops[d], make_int(0, t), make_int(extents[d], t), ForKind::kSerial, nest);
  }
  return nest;
}

Stmt copy_nest(const std::string& name, const Buffer& src, const Buffer& dst,
               const std::vector<Range>& region) {
  std::vector<Var> loops;
  std::vector<IterVar> iter_vars;
  std::vector<Expr> bindings, point;
  BufferRegion read{src, {}}, write{dst, {}};
  for (size_t d = 0; d < region.size(); ++d) {
    DataType t = region[d].min.dtype();
    Var ax(fmt::format("ax{}", d), t);
    Var v(fmt::format("v{}", d), t);
    loops.push_back(ax);
    Expr extent = region[d].extent;
    iter_vars.push_back(IterVar{v, Range{make_int(0, t), src->shape[d]}, IterKind::kSpatial});
    bindings.push_back(
        is_const_int(region[d].min, 0) ? Expr(ax) : make_binary(ExprKind::kAdd, region[d].min, ax));
    point.push_back(v);
    read.region.push_back(Range{v, make_int(1, t)});
    write.region.push_back(Range{v, make_int(1, t)});
  }
  BlockFields f;
  f.name = name;
  f.iter_vars = iter_vars;
  f.reads = {read};
  f.writes = {write};
  f.body = make_store(dst, make_load(src, point), point);
  Stmt nest = make_block_realize(bindings, make_bool(true), make_block(std::move(f)));
  for (size_t d = region.size(); d-- > 0;) {
    DataType t = region[d].min.dtype();
    nest = make_for(loops[d], make_int(0, t), region[d].extent, ForKind::kSerial, nest);
  }
  return nest;
}

const StmtNode* nest_top(const Schedule& sch, const BlockNode* block) {
  const ScheduleState::BlockEntry* e = sch.state().find_block(block->name);
  return e->loops.empty() ? static_cast<const StmtNode*>(e->realize) : e->loops[0];
}

CachePlacement cache_placement(const Schedule& sch, const std::string& primitive,
                               const BlockNode* block, const Buffer& buffer, AccessKind kind) {
  // The stage goes right next to the loops that hold only this block, so no other block
  // can run between the block and its copy (found by the random-schedule test).
  const ScheduleState::BlockEntry* e = sch.state().find_block(block->name);
  const StmtNode* anchor = exclusive_subtree(sch, primitive, block);
  Analyzer az;
  for (const ForNode* l : e->loops) {
    if (l == anchor) break;
    az = analyzer_at(sch, l);  // the loops around the anchor stay symbolic in the region
  }
  std::vector<IntSet> region = touched_region(borrow(anchor), buffer, kind, az);
  std::vector<Range> out;
  for (size_t d = 0; d < region.size(); ++d) {
    Range r = region[d].to_range(az);
    auto extent = as_const_int(r.extent);
    if (!extent) {
      schedule_fail(
          sch, primitive,
          fmt::format(
              "the region of '{}' that block '{}' touches along dimension {} has the non-constant "
              "extent {}",
              buffer->name, block->name, d, print(r.extent)),
          block);
    }
    // The copy must stay inside the buffer: clip constant regions, prove symbolic ones.
    if (auto lo = as_const_int(r.min); lo && as_const_int(buffer->shape[d])) {
      int64_t a = std::max<int64_t>(*lo, 0),
              b = std::min<int64_t>(*lo + *extent, *as_const_int(buffer->shape[d]));
      r = Range{make_int(a, r.min.dtype()), make_int(std::max<int64_t>(b - a, 1), r.min.dtype())};
    } else if (!az.can_prove(logical_and(
                   make_binary(ExprKind::kGE, r.min, make_int(0, r.min.dtype())),
                   make_binary(ExprKind::kLE, make_binary(ExprKind::kAdd, r.min, r.extent),
                               buffer->shape[d])))) {
      schedule_fail(
          sch, primitive,
          fmt::format(
              "cannot prove that the region of '{}' along dimension {} stays inside the buffer",
              buffer->name, d),
          block);
    }
    out.push_back(r);
  }
  return CachePlacement{anchor, out};
}

const Buffer& written_intermediate(const Schedule& sch, const std::string& primitive,
                                   const BlockNode* block, int64_t index) {
  if (index < 0 || index >= static_cast<int64_t>(block->writes.size())) {
    schedule_fail(sch, primitive,
                  fmt::format("block '{}' has {} write regions; index {} is out of range",
                              block->name, block->writes.size(), index),
                  block);
  }
  const Buffer& buffer = block->writes[static_cast<size_t>(index)].buffer;
  for (const Buffer& p : sch.func()->params) {
    if (p.same_as(buffer)) {
      schedule_fail(
          sch, primitive,
          fmt::format("'{}' is a parameter of the function; its storage belongs to the caller",
                      buffer->name),
          block);
    }
  }
  return buffer;
}

PrimFunc replace_buffer(const PrimFunc& func, const Buffer& from, const Buffer& to) {
  class Replacer : public IRMutator {
   public:
    Replacer(const Buffer& from, const Buffer& to) : from_(from), to_(to) {}

   protected:
    Buffer mutate_buffer(const Buffer& b) override { return b.same_as(from_) ? to_ : b; }

   private:
    const Buffer& from_;
    const Buffer& to_;
  } replacer(from, to);
  return replacer.mutate_func(func);
}

// Parallel, vectorized and thread-bound loops run their iterations concurrently,
// so a loop that feeds a reduction variable (or is not affine) would race.
void change_loop_kind(Schedule& sch, const std::string& primitive, const LoopRV& loop_rv,
                      ForKind kind, const std::string& thread_tag) {
  const ForNode* loop = sch.get(loop_rv);
  if (loop->for_kind != ForKind::kSerial && loop->for_kind != kind) {
    schedule_fail(sch, primitive,
                  fmt::format("loop '{}' is already {}", loop->loop_var.name(),
                              for_kind_name(loop->for_kind)),
                  loop);
  }
  if (kind == ForKind::kVectorized) constant_extent(sch, primitive, loop);
  if (kind != ForKind::kUnrolled) {
    for (const BlockNode* b : sch.state().child_blocks(loop)) {
      const ScheduleState::BlockEntry* e = sch.state().find_block(b->name);
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        if (uses_var(e->realize->iter_values[i], loop->loop_var.get()) &&
            b->iter_vars[i].kind != IterKind::kSpatial) {
          schedule_fail(sch, primitive,
                        fmt::format("loop '{}' binds the reduction variable '{}' of block '{}'; "
                                    "running its iterations "
                                    "concurrently would race on the reduction",
                                    loop->loop_var.name(), b->iter_vars[i].var.name(), b->name),
                        loop);
        }
      }
      if (e->scope != nullptr) {
        std::string failure = ScheduleAccess::mutable_state(sch).affine_binding_failure(*e);
        if (!failure.empty()) {
          schedule_fail(
              sch, primitive,
              fmt::format("block '{}' under loop '{}' does not have an affine binding: {}", b->name,
                          loop->loop_var.name(), failure),
              loop);
        }
      }
    }
  }
  Stmt changed = make_for(loop->loop_var, loop->min, loop->extent, kind, loop->body, thread_tag,
                          loop->annotations);
  ScheduleAccess::mutable_state(sch).replace_func(replace_stmt(sch.func(), loop, changed),
                                                  primitive);
}

}  // namespace schedule_detail
}  // namespace tessera
