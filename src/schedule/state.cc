#include "tessera/schedule/state.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

#include "tessera/arith/analyzer.h"
#include "tessera/arith/int_set.h"
#include "tessera/arith/iter_map.h"
#include "tessera/arith/region.h"
#include "tessera/ir/deep_equal.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "schedule_internal.h"
#include "tessera/schedule/schedule_error.h"

namespace tessera {

ScheduleState::ScheduleState(PrimFunc func, bool debug) : func_(std::move(func)), debug_(debug) {
  if (!func_.defined()) fail("cannot schedule an undefined function");
  if (func_.root_realize() == nullptr) {
    fail("function '{}' is not block IR (its body is not a root block), so it cannot be scheduled",
         func_->name);
  }
  index();
  if (debug_) verify("initial program");
}

void ScheduleState::replace_func(PrimFunc func, const std::string& primitive) {
  PrimFunc previous = func_;
  func_ = std::move(func);
  try {
    index();
    if (debug_) verify(primitive);
  } catch (...) {
    func_ = previous;
    index();
    throw;
  }
}

void ScheduleState::index() {
  blocks_.clear();
  loops_.clear();
  children_.clear();
  affine_cache_.clear();
  root_ = nullptr;
  int order = 0;
  std::function<void(const Stmt&, const BlockNode*, std::vector<const ForNode*>&)> walk =
      [&](const Stmt& s, const BlockNode* scope, std::vector<const ForNode*>& loops) {
        switch (s.kind()) {
          case StmtKind::kFor: {
            const auto* f = s.as<ForNode>();
            if (loops_.count(f->loop_var.get()) != 0) {
              throw ScheduleError(
                  "schedule",
                  fmt::format(
                      "loop variable '{}' is used by two loops; loop variables must be unique",
                      f->loop_var.name()),
                  func_, f);
            }
            loops_[f->loop_var.get()] = LoopEntry{f, scope, loops};
            loops.push_back(f);
            walk(f->body, scope, loops);
            loops.pop_back();
            return;
          }
          case StmtKind::kBlockRealize: {
            const auto* r = s.as<BlockRealizeNode>();
            const BlockNode* b = r->block_node();
            if (root_ == nullptr) {
              root_ = b;
            } else {
              if (blocks_.count(b->name) != 0) {
                throw ScheduleError(
                    "schedule",
                    fmt::format("two blocks are named '{}'; block names must be unique", b->name),
                    func_, b);
              }
              blocks_[b->name] = BlockEntry{r, b, scope, loops, order++};
              children_[scope].push_back(b);
              for (const ForNode* f : loops) children_[f].push_back(b);
            }
            std::vector<const ForNode*> inner;
            walk(b->body, b, inner);
            return;
          }
          case StmtKind::kBlock: {
            const auto* b = s.as<BlockNode>();
            throw ScheduleError("schedule", fmt::format("block '{}' has no realization", b->name),
                                func_, b);
          }
          case StmtKind::kSeqStmt:
            for (const Stmt& c : s.as<SeqStmtNode>()->seq) walk(c, scope, loops);
            return;
          case StmtKind::kIfThenElse: {
            const auto* x = s.as<IfThenElseNode>();
            walk(x->then_case, scope, loops);
            if (x->else_case.defined()) walk(x->else_case, scope, loops);
            return;
          }
          case StmtKind::kLetStmt: walk(s.as<LetStmtNode>()->body, scope, loops); return;
          case StmtKind::kAllocate: walk(s.as<AllocateNode>()->body, scope, loops); return;
          default: return;
        }
      };
  std::vector<const ForNode*> loops;
  walk(func_->body, nullptr, loops);
  link_producers_and_consumers();
}

void ScheduleState::link_producers_and_consumers() {
  producers_.clear();
  consumers_.clear();
  auto feeds = [](const BlockNode* writer, const BlockNode* reader) {
    for (const BufferRegion& w : writer->writes) {
      for (const BufferRegion& r : reader->reads) {
        if (w.buffer.same_as(r.buffer)) return true;
      }
    }
    return false;
  };
  for (const auto& [scope, children] : children_) {
    // Scopes are blocks (or the root's null); loops list the blocks under them too.
    if (scope != nullptr && scope->kind != StmtKind::kBlock) continue;
    for (size_t i = 0; i < children.size(); ++i) {
      for (size_t j = i + 1; j < children.size(); ++j) {
        if (!feeds(children[i], children[j])) continue;
        producers_[children[j]->name].push_back(children[i]);
        consumers_[children[i]->name].push_back(children[j]);
      }
    }
  }
}

const std::vector<const BlockNode*>& ScheduleState::producers(const BlockNode* block) const {
  static const std::vector<const BlockNode*> kNone;
  auto it = producers_.find(block->name);
  return it == producers_.end() ? kNone : it->second;
}

const std::vector<const BlockNode*>& ScheduleState::consumers(const BlockNode* block) const {
  static const std::vector<const BlockNode*> kNone;
  auto it = consumers_.find(block->name);
  return it == consumers_.end() ? kNone : it->second;
}

const ScheduleState::BlockEntry* ScheduleState::find_block(const std::string& name) const {
  auto it = blocks_.find(name);
  return it == blocks_.end() ? nullptr : &it->second;
}

const ScheduleState::LoopEntry* ScheduleState::find_loop(const VarNode* var) const {
  auto it = loops_.find(var);
  return it == loops_.end() ? nullptr : &it->second;
}

std::vector<const BlockNode*> ScheduleState::blocks() const {
  std::vector<const BlockEntry*> entries;
  for (const auto& [name, e] : blocks_) entries.push_back(&e);
  std::sort(entries.begin(), entries.end(),
            [](const BlockEntry* a, const BlockEntry* b) { return a->order < b->order; });
  std::vector<const BlockNode*> out;
  for (const BlockEntry* e : entries) out.push_back(e->block);
  return out;
}

std::vector<const BlockNode*> ScheduleState::child_blocks(const StmtNode* parent) const {
  auto it = children_.find(parent);
  return it == children_.end() ? std::vector<const BlockNode*>{} : it->second;
}

std::string ScheduleState::affine_binding_failure(const BlockEntry& entry) {
  auto cached = affine_cache_.find(entry.realize);
  if (cached != affine_cache_.end()) return cached->second;
  std::string failure;
  std::vector<std::pair<Var, int64_t>> loops;
  for (const ForNode* f : entry.loops) {
    auto extent = as_const_int(f->extent);
    if (!is_const_int(f->min, 0) || !extent) {
      failure =
          fmt::format("loop '{}' does not start at 0 with a constant extent", f->loop_var.name());
      break;
    }
    loops.push_back({f->loop_var, *extent});
  }
  if (failure.empty()) {
    Analyzer az;
    IterMapResult r = detect_iter_map(entry.realize->iter_values, loops, entry.realize->predicate,
                                      IterMapLevel::kSurjective, az);
    failure = r.failure;
  }
  affine_cache_[entry.realize] = failure;
  return failure;
}

bool ScheduleState::affine_binding(const BlockEntry& entry) {
  return affine_binding_failure(entry).empty();
}

bool ScheduleState::is_complete(const BlockEntry& entry) const {
  const BlockNode* b = entry.block;
  for (const IterVar& iv : b->iter_vars) {
    if (iv.kind != IterKind::kSpatial) return false;
  }
  for (const BufferRegion& w : b->writes) {
    for (const BufferRegion& r : b->reads) {
      if (r.buffer.same_as(w.buffer)) return false;
    }
  }
  return !b->writes.empty();
}

bool ScheduleState::is_reduction(const BlockEntry& entry) const {
  const BlockNode* b = entry.block;
  bool has_reduce = false;
  std::unordered_map<const VarNode*, IterKind> kinds;
  for (const IterVar& iv : b->iter_vars) {
    has_reduce |= iv.kind == IterKind::kReduce;
    kinds[iv.var.get()] = iv.kind;
  }
  if (!has_reduce || !b->init.defined() || b->writes.size() != 1) return false;
  // The written point is indexed by spatial variables only.
  for (const Range& r : b->writes[0].region) {
    if (!is_const_int(r.extent, 1)) return false;
    bool uses_reduce = false;
    std::function<void(const Expr&)> scan = [&](const Expr& e) {
      if (const auto* v = e.as<VarNode>()) {
        auto it = kinds.find(v);
        uses_reduce |= it != kinds.end() && it->second == IterKind::kReduce;
      } else if (const auto* bin = e.as<BinaryNode>()) {
        scan(bin->a);
        scan(bin->b);
      }
    };
    scan(r.min);
    if (uses_reduce) return false;
  }
  return true;
}

namespace {

// What the blocks under `top` touch of `buffer` over all iterations, clipped to the buffer.
std::vector<IntSet> footprint(const StmtNode* top, const Buffer& buffer, AccessKind kind) {
  Analyzer az;
  std::vector<IntSet> region = touched_region(schedule_detail::borrow(top), buffer, kind, az);
  for (size_t d = 0; d < region.size(); ++d) {
    Expr zero = make_int(0, buffer->shape[d].dtype());
    Expr last = az.simplify(
        make_binary(ExprKind::kSub, buffer->shape[d], make_int(1, buffer->shape[d].dtype())));
    region[d] = intersect_set(region[d], IntSet::interval(zero, last), az);
  }
  return region;
}

}  // namespace

// Every block of the scope that writes what this block reads comes before it, unless
// it provably writes other elements.
bool ScheduleState::stage_pipeline(const BlockEntry& entry) const {
  auto top_of = [&](const BlockEntry& e) -> const StmtNode* {
    return e.loops.empty() ? static_cast<const StmtNode*>(e.realize) : e.loops[0];
  };
  for (const BlockNode* o : child_blocks(entry.scope)) {
    if (o == entry.block || find_block(o->name)->order < entry.order) continue;
    for (const BufferRegion& w : o->writes) {
      for (const BufferRegion& r : entry.block->reads) {
        if (!w.buffer.same_as(r.buffer)) continue;
        // A block that reads what it writes is a step of an accumulation (a later part of
        // a partitioned reduction): a later step adding to the same elements is the next
        // link of that chain, not a producer it ran too early for.
        bool accumulates =
            std::any_of(entry.block->writes.begin(), entry.block->writes.end(),
                        [&](const BufferRegion& x) { return x.buffer.same_as(r.buffer); });
        if (accumulates) continue;
        Analyzer az;
        if (!regions_disjoint(footprint(top_of(*find_block(o->name)), w.buffer, AccessKind::kWrite),
                              footprint(top_of(entry), r.buffer, AccessKind::kRead), az)) {
          return false;
        }
      }
    }
  }
  return true;
}

std::string ScheduleState::region_cover_failure(const BlockEntry& entry) const {
  auto top_of = [&](const BlockEntry& e) -> const StmtNode* {
    return e.loops.empty() ? static_cast<const StmtNode*>(e.realize) : e.loops[0];
  };
  for (const BufferRegion& r : entry.block->reads) {
    std::vector<IntSet> produced;
    bool has_producer = false;
    Analyzer az;
    for (const BlockNode* o : producers(entry.block)) {
      bool writes = std::any_of(o->writes.begin(), o->writes.end(),
                                [&](const BufferRegion& w) { return w.buffer.same_as(r.buffer); });
      if (!writes) continue;
      std::vector<IntSet> part =
          footprint(top_of(*find_block(o->name)), r.buffer, AccessKind::kWrite);
      if (!has_producer) {
        produced = part;
      } else {
        for (size_t d = 0; d < part.size(); ++d) produced[d] = union_set(produced[d], part[d], az);
      }
      has_producer = true;
    }
    if (!has_producer) continue;
    std::vector<IntSet> needed = footprint(top_of(entry), r.buffer, AccessKind::kRead);
    if (!region_covers(produced, needed, az)) {
      return fmt::format("what block '{}' reads of '{}' is not covered by what its producers write",
                         entry.block->name, r.buffer->name);
    }
  }
  return "";
}

void ScheduleState::verify(const std::string& primitive) {
  for (const auto& [name, entry] : blocks_) {
    if (!stage_pipeline(entry)) {
      throw ScheduleError(
          primitive,
          fmt::format(
              "invariant broken: block '{}' reads a buffer that a later block of its scope writes",
              name),
          func_, entry.block);
    }
    if (std::string failure = region_cover_failure(entry); !failure.empty()) {
      throw ScheduleError(primitive, "invariant broken: " + failure, func_, entry.block);
    }
    Analyzer az;
    for (const ForNode* f : entry.loops) {
      auto min = as_const_int(f->min), extent = as_const_int(f->extent);
      if (min && extent && *extent > 0) az.bind(f->loop_var, *min, *extent);
    }
    az.assume(entry.realize->predicate);
    // A bound the predicate states (a non-divisible split's `i * 16 + j < 100`) holds by
    // definition.
    std::vector<Expr> facts;
    std::function<void(const Expr&)> conjuncts = [&](const Expr& e) {
      if (const auto* x = e.as<BinaryNode>(); x && x->kind == ExprKind::kAnd) {
        conjuncts(x->a);
        conjuncts(x->b);
      } else {
        facts.push_back(az.simplify(e));
      }
    };
    conjuncts(entry.realize->predicate);
    auto holds = [&](const Expr& cond) {
      if (az.can_prove(cond)) return true;
      Expr simplified = az.simplify(cond);
      for (const Expr& f : facts) {
        if (deep_equal(f, simplified)) return true;
      }
      return false;
    };
    for (size_t i = 0; i < entry.block->iter_vars.size(); ++i) {
      const IterVar& iv = entry.block->iter_vars[i];
      const Expr& value = entry.realize->iter_values[i];
      bool inside = holds(make_binary(ExprKind::kLE, iv.dom.min, value)) &&
                    holds(make_binary(ExprKind::kLT, value,
                                      make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent)));
      if (!inside) {
        throw ScheduleError(primitive,
                            fmt::format("invariant broken: in block '{}', the binding {} = {} "
                                        "cannot be proved to stay in its domain",
                                        name, iv.var.name(), print(value)),
                            func_, entry.block);
      }
    }
  }
}

}  // namespace tessera
