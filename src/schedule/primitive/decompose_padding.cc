// DecomposePadding: a padding block, B[v...] = if_then_else(in_bounds(v...), A[...], c)
// with a constant c, becomes two: <block>_pad_const writes c over everything the block
// writes under `loop` (placed right before it), and the block itself copies only the
// in-bounds part, its loops narrowed to the bounds the condition states, so the hot
// loop has no condition. Bounds the narrowing cannot express (a variable bound to an
// expression of several loops, or to a loop outside `loop`) stay as a condition.
#include "../instruction_traits.h"

#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct DecomposePaddingTraits : InstructionTraitsBase {
  static constexpr const char* kName = "DecomposePadding";
  static constexpr const char* kMethod = "decompose_padding";
  static constexpr std::array<const char*, 2> kArguments = {"block", "loop"};
  static BlockRV apply(Schedule& sch, const BlockRV& block, const LoopRV& loop) {
    return sch.decompose_padding(block, loop);
  }
};
const InstructionRegistration registration = register_instruction<DecomposePaddingTraits>();
}  // namespace

namespace {

// `cond` as a bound on one variable: v >= c, c <= v, v < c, c > v, v <= c, v > c.
struct Bound {
  const VarNode* var = nullptr;
  std::optional<int64_t> lower, upper;  // lower <= v < upper
};
Bound as_bound(const Expr& cond) {
  Bound out;
  const auto* b = cond.as<BinaryNode>();
  if (b == nullptr) return out;
  const auto* va = b->a.as<VarNode>();
  const auto* vb = b->b.as<VarNode>();
  auto ca = as_const_int(b->a), cb = as_const_int(b->b);
  if (va && cb) {
    out.var = va;
    switch (b->kind) {
      case ExprKind::kGE: out.lower = *cb; break;
      case ExprKind::kGT: out.lower = *cb + 1; break;
      case ExprKind::kLT: out.upper = *cb; break;
      case ExprKind::kLE: out.upper = *cb + 1; break;
      default: out.var = nullptr;
    }
  } else if (vb && ca) {
    out.var = vb;
    switch (b->kind) {
      case ExprKind::kLE: out.lower = *ca; break;
      case ExprKind::kLT: out.lower = *ca + 1; break;
      case ExprKind::kGT: out.upper = *ca; break;
      case ExprKind::kGE: out.upper = *ca + 1; break;
      default: out.var = nullptr;
    }
  }
  return out;
}

}  // namespace

BlockRV Schedule::decompose_padding(const BlockRV& block_rv, const LoopRV& loop_rv) {
  const std::string primitive = "decompose_padding";
  const BlockNode* b = get(block_rv);
  const ForNode* loop = get(loop_rv);
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  auto at = std::find(e->loops.begin(), e->loops.end(), loop);
  if (at == e->loops.end())
    schedule_fail(
        *this, primitive,
        fmt::format("loop '{}' is not a loop of block '{}'", loop->loop_var.name(), b->name), loop);
  if (!state_.is_complete(*e))
    schedule_fail(
        *this, primitive,
        fmt::format("block '{}' is not a complete (spatial, non-accumulating) block", b->name), b);
  const auto* store = b->body.as<BufferStoreNode>();
  const auto* call = store ? store->value.as<CallNode>() : nullptr;
  Expr condition, value, pad;
  if (call != nullptr && call->op == "if_then_else" && call->args.size() == 3) {
    condition = call->args[0], value = call->args[1], pad = call->args[2];
  } else if (const auto* sel = store ? store->value.as<SelectNode>() : nullptr) {
    condition = sel->condition, value = sel->true_value, pad = sel->false_value;
  }
  if (!condition.defined() || !(pad.as<IntImmNode>() || pad.as<FloatImmNode>())) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' is not a padding block: its body must be "
                              "B[...] = if_then_else(condition, value, constant)",
                              b->name),
                  b);
  }
  for (const ForNode* l : std::vector<const ForNode*>(at, e->loops.end())) {
    if (state_.child_blocks(l).size() != 1) {
      schedule_fail(
          *this, primitive,
          fmt::format("loop '{}' holds other blocks besides '{}'", l->loop_var.name(), b->name), l);
    }
  }
  // Narrow the loops under `loop` that bind an iteration variable directly.
  std::unordered_map<const VarNode*, const ForNode*> direct;  // iteration variable -> its loop
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const auto* lv = e->realize->iter_values[i].as<VarNode>();
    for (auto it = at; it != e->loops.end(); ++it) {
      if (lv != nullptr && (*it)->loop_var.get() == lv && is_const_int((*it)->min, 0))
        direct[b->iter_vars[i].var.get()] = *it;
    }
  }
  std::map<const ForNode*, std::pair<int64_t, int64_t>> narrowed;  // loop -> [lo, hi)
  std::vector<Expr> remaining;
  std::vector<Expr> parts;
  conjuncts(condition, parts);
  for (const Expr& c : parts) {
    Bound bound = as_bound(c);
    auto d = bound.var ? direct.find(bound.var) : direct.end();
    auto extent = d != direct.end() ? as_const_int(d->second->extent) : std::nullopt;
    if (!extent) {
      remaining.push_back(c);
      continue;
    }
    auto& range =
        narrowed.try_emplace(d->second, std::pair<int64_t, int64_t>{0, *extent}).first->second;
    if (bound.lower) range.first = std::max(range.first, *bound.lower);
    if (bound.upper) range.second = std::min(range.second, *bound.upper);
  }
  for (const auto& [l, range] : narrowed) {
    if (range.first >= range.second) {
      schedule_fail(
          *this, primitive,
          fmt::format("the condition leaves loop '{}' no in-bounds iteration", l->loop_var.name()),
          b);
    }
  }

  // The constant block: a copy of the nest under `loop`, storing the pad value.
  std::string const_name = fresh_name(*this, b->name + "_pad_const");
  VarMap fresh;
  std::vector<Var> const_vars;
  for (auto it = at; it != e->loops.end(); ++it) {
    const_vars.push_back(Var((*it)->loop_var.name() + "_c", (*it)->loop_var.dtype()));
    fresh[(*it)->loop_var.get()] = const_vars.back();
  }
  std::vector<Expr> const_values;
  for (const Expr& v : e->realize->iter_values) const_values.push_back(substitute(v, fresh));
  VarMap own;  // the constant block's own iteration variables
  std::vector<IterVar> const_iters;
  for (const IterVar& iv : b->iter_vars) {
    const_iters.push_back(IterVar{Var(iv.var.name(), iv.var.dtype()), iv.dom, iv.kind});
    own[iv.var.get()] = const_iters.back().var;
  }
  std::vector<BufferRegion> const_writes;
  for (const BufferRegion& w : b->writes) {
    BufferRegion r{w.buffer, {}};
    for (const Range& x : w.region)
      r.region.push_back(Range{substitute(x.min, own), substitute(x.extent, own)});
    const_writes.push_back(r);
  }
  std::vector<Expr> const_indices;
  for (const Expr& x : store->indices) const_indices.push_back(substitute(x, own));
  BlockFields cf{const_name,   const_iters, {},
                 const_writes, Stmt(),      make_store(store->buffer, pad, const_indices),
                 {},           {},          b->annotations};
  Stmt const_nest = make_block_realize(const_values, substitute(e->realize->predicate, fresh),
                                       make_block(std::move(cf)));
  for (auto it = e->loops.end(); it != at;) {
    --it;
    const ForNode* l = *it;
    const_nest = make_for(const_vars[static_cast<size_t>(it - at)], l->min, l->extent,
                          ForKind::kSerial, const_nest);
  }

  // The copy: narrowed loops (v = lo + new loop), the remaining condition if any.
  // A narrowed loop keeps its variable (and so its LoopRV): it runs [0, hi - lo) and
  // the binding adds lo.
  VarMap shifted;
  for (const auto& [l, range] : narrowed) {
    shifted[l->loop_var.get()] = range.first == 0
                                     ? Expr(l->loop_var)
                                     : add(l->loop_var, make_int(range.first, l->loop_var.dtype()));
  }
  Expr kept;
  for (const Expr& c : remaining) kept = kept.defined() ? logical_and(kept, c) : c;
  Analyzer az;
  std::vector<Expr> values;
  for (const Expr& v : e->realize->iter_values)
    values.push_back(az.simplify(substitute(v, shifted)));
  // The copy's domain is the in-bounds part, so that a primitive regenerating its loops
  // (compute_at) never visits the padding it no longer guards (found by the random-schedule test).
  std::vector<IterVar> copy_iters = b->iter_vars;
  for (IterVar& iv : copy_iters) {
    auto d = direct.find(iv.var.get());
    if (d == direct.end()) continue;
    auto n = narrowed.find(d->second);
    if (n == narrowed.end()) continue;
    DataType t = iv.var.dtype();
    iv.dom = Range{make_int(n->second.first, t), make_int(n->second.second - n->second.first, t)};
  }
  BlockFields f{b->name,
                copy_iters,
                b->reads,
                b->writes,
                Stmt(),
                make_store(store->buffer, kept.defined() ? if_then_else(kept, value, pad) : value,
                           store->indices),
                b->alloc_buffers,
                b->match_buffers,
                b->annotations};
  Stmt copy = make_block_realize(values, substitute(e->realize->predicate, shifted),
                                 make_block(std::move(f)));
  for (auto it = e->loops.end(); it != at;) {
    --it;
    const ForNode* l = *it;
    auto n = narrowed.find(l);
    if (n == narrowed.end()) {
      copy = make_for(l->loop_var, l->min, l->extent, l->for_kind, copy, l->thread_tag,
                      l->annotations);
    } else {
      copy = make_for(l->loop_var, make_int(0, l->loop_var.dtype()),
                      make_int(n->second.second - n->second.first, l->loop_var.dtype()),
                      l->for_kind, copy, l->thread_tag, l->annotations);
    }
  }
  state_.replace_func(replace_stmt(func(), loop, make_seq({const_nest, copy})), primitive);
  BlockRV out = new_block_rv(const_name);
  record_instruction<DecomposePaddingTraits>(*this, out, block_rv, loop_rv);
  return out;
}

}  // namespace tessera
