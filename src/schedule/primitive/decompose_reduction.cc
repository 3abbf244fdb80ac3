// DecomposeReduction: a reduction block's init becomes its own block
// "<block>_init", placed right before `loop` (one of the block's loops) inside
// copies of the loops below it that index spatial variables.
#include "../instruction_traits.h"

#include "tessera/arith/iter_map.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct DecomposeReductionTraits : InstructionTraitsBase {
  static constexpr const char* kName = "DecomposeReduction";
  static constexpr const char* kMethod = "decompose_reduction";
  static constexpr std::array<const char*, 2> kArguments = {"block", "loop"};
  static BlockRV apply(Schedule& sch, const BlockRV& block, const LoopRV& loop) {
    return sch.decompose_reduction(block, loop);
  }
};
const InstructionRegistration registration = register_instruction<DecomposeReductionTraits>();
}  // namespace

BlockRV Schedule::decompose_reduction(const BlockRV& block_rv, const LoopRV& loop_rv) {
  const BlockNode* b = get(block_rv);
  const ForNode* loop = get(loop_rv);
  if (!b->init.defined())
    schedule_fail(*this, "decompose_reduction",
                  fmt::format("block '{}' has no init to decompose", b->name), b);
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  auto at = std::find(e->loops.begin(), e->loops.end(), loop);
  if (at == e->loops.end()) {
    schedule_fail(*this, "decompose_reduction",
                  fmt::format("loop '{}' is not one of the loops around block '{}'",
                              loop->loop_var.name(), b->name),
                  loop);
  }
  // Loops from `loop` inward that some spatial binding uses are copied around the init.
  // Once split from its init, the update must run exactly once per iteration point.
  {
    std::vector<std::pair<Var, int64_t>> loops;
    for (const ForNode* l : e->loops)
      loops.push_back({l->loop_var, constant_extent(*this, "decompose_reduction", l)});
    Analyzer az;
    IterMapResult r = detect_iter_map(e->realize->iter_values, loops, e->realize->predicate,
                                      IterMapLevel::kBijective, az);
    if (!r.ok()) {
      schedule_fail(*this, "decompose_reduction",
                    fmt::format("block '{}' may run more than once per iteration point ({}); its "
                                "reduction cannot be separated from its init",
                                b->name, r.failure),
                    b);
    }
  }
  // Loops outside `loop` must not iterate the reduction, or the init would run once per iteration.
  for (auto it = e->loops.begin(); it != at; ++it) {
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (b->iter_vars[i].kind == IterKind::kReduce &&
          uses_var(e->realize->iter_values[i], (*it)->loop_var.get())) {
        schedule_fail(
            *this, "decompose_reduction",
            fmt::format("loop '{}' outside loop '{}' feeds the reduction variable '{}'; the "
                        "init would run once per iteration of it",
                        (*it)->loop_var.name(), loop->loop_var.name(), b->iter_vars[i].var.name()),
            *it);
      }
    }
  }
  VarMap loop_copy;
  std::vector<const ForNode*> copied;
  for (auto it = at; it != e->loops.end(); ++it) {
    const VarNode* v = (*it)->loop_var.get();
    bool spatial_use = false, reduce_use = false;
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (!uses_var(e->realize->iter_values[i], v)) continue;
      (b->iter_vars[i].kind == IterKind::kSpatial ? spatial_use : reduce_use) = true;
    }
    if (spatial_use && reduce_use) {
      schedule_fail(
          *this, "decompose_reduction",
          fmt::format("loop '{}' feeds both spatial and reduction variables of block '{}'",
                      (*it)->loop_var.name(), b->name),
          *it);
    }
    if (spatial_use) {
      copied.push_back(*it);
      loop_copy[v] = Var((*it)->loop_var.name() + "_init", (*it)->loop_var.dtype());
    }
  }
  // The init block: spatial iteration variables only, fresh copies.
  VarMap iter_copy;
  BlockFields f;
  const std::string init_name = fresh_name(*this, b->name + "_init");
  f.name = init_name;
  std::vector<Expr> bindings;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const IterVar& iv = b->iter_vars[i];
    if (iv.kind != IterKind::kSpatial) continue;
    Var nv(iv.var.name(), iv.var.dtype());
    iter_copy[iv.var.get()] = nv;
    f.iter_vars.push_back(IterVar{nv, iv.dom, IterKind::kSpatial});
    bindings.push_back(substitute(e->realize->iter_values[i], loop_copy));
  }
  f.body = substitute(b->init, iter_copy);
  for (const BufferRegion& w : b->writes) {
    BufferRegion r{w.buffer, {}};
    for (const Range& range : w.region)
      r.region.push_back(
          Range{substitute(range.min, iter_copy), substitute(range.extent, iter_copy)});
    f.writes.push_back(r);
  }
  // Predicate conjuncts about loops that only iterate the reduction (from a non-divisible
  // split of a reduction loop) limit the update, not the init: drop them.
  std::vector<Expr> conjuncts;
  std::function<void(const Expr&)> split_and = [&](const Expr& x) {
    if (const auto* bin = x.as<BinaryNode>(); bin && bin->kind == ExprKind::kAnd) {
      split_and(bin->a);
      split_and(bin->b);
    } else {
      conjuncts.push_back(x);
    }
  };
  split_and(e->realize->predicate);
  Expr predicate = make_bool(true);
  for (const Expr& c : conjuncts) {
    bool reduction_only = false;
    for (auto it = at; it != e->loops.end(); ++it) {
      if (loop_copy.count((*it)->loop_var.get()) == 0 && uses_var(c, (*it)->loop_var.get()))
        reduction_only = true;
    }
    if (!reduction_only)
      predicate = is_const_int(predicate, 1)
                      ? substitute(c, loop_copy)
                      : make_binary(ExprKind::kAnd, predicate, substitute(c, loop_copy));
  }
  Stmt init = make_block_realize(bindings, predicate, make_block(std::move(f)));
  for (size_t k = copied.size(); k-- > 0;) {
    const ForNode* l = copied[k];
    init = make_for(Var::from_expr(loop_copy.at(l->loop_var.get())), l->min, l->extent,
                    ForKind::kSerial, init);
  }
  // The update keeps everything but its init.
  // Without its init, the update visibly reads what it writes: list it (as TVM's update blocks do),
  // so that producer/consumer analysis sees the init block feeding it.
  auto update = std::make_shared<BlockNode>(*b);
  update->init = Stmt();
  update->reads = recompute_reads(update.get(), update->body);
  class Rewriter : public IRMutator {
   public:
    Rewriter(const ForNode* loop, const BlockNode* block, Stmt update, Stmt init)
        : loop_(loop), block_(block), update_(std::move(update)), init_(std::move(init)) {}
    Stmt mutate_stmt(const Stmt& s) override {
      if (s.get() == block_) return update_;
      if (s.get() == loop_) return make_seq({init_, IRMutator::mutate_stmt(s)});
      return IRMutator::mutate_stmt(s);
    }

   private:
    const ForNode* loop_;
    const BlockNode* block_;
    Stmt update_, init_;
  } rewriter(loop, b, Stmt(update), init);
  state_.replace_func(rewriter.mutate_func(func()), "decompose_reduction");
  BlockRV out = new_block_rv(init_name);
  record_instruction<DecomposeReductionTraits>(*this, out, block_rv, loop_rv);
  return out;
}

}  // namespace tessera
