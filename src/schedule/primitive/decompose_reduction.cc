// DecomposeReduction: a reduction block's init becomes its own block
// "<block>_init", placed right before `loop` (one of the block's loops) inside
// copies of the loops below it that index spatial variables.
#include "../schedule_internal.h"

#include "tessera/ir/mutator.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

BlockRV Schedule::decompose_reduction(const BlockRV& block_rv, const LoopRV& loop_rv) {
  const BlockNode* b = get(block_rv);
  const ForNode* loop = get(loop_rv);
  if (!b->init.defined()) schedule_fail(*this, "decompose_reduction", fmt::format("block '{}' has no init to decompose", b->name), b);
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  auto at = std::find(e->loops.begin(), e->loops.end(), loop);
  if (at == e->loops.end()) {
    schedule_fail(*this, "decompose_reduction", fmt::format("loop '{}' is not one of the loops around block '{}'", loop->loop_var.name(), b->name), loop);
  }
  // Loops from `loop` inward that some spatial binding uses are copied around the init.
  auto uses = [](const Expr& e, const VarNode* v) {
    bool found = false;
    std::function<void(const Expr&)> scan = [&](const Expr& x) {
      if (x.get() == v) found = true;
      if (const auto* bin = x.as<BinaryNode>()) {
        scan(bin->a);
        scan(bin->b);
      }
    };
    scan(e);
    return found;
  };
  VarMap loop_copy;
  std::vector<const ForNode*> copied;
  for (auto it = at; it != e->loops.end(); ++it) {
    const VarNode* v = (*it)->loop_var.get();
    bool spatial_use = false, reduce_use = false;
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (!uses(e->realize->iter_values[i], v)) continue;
      (b->iter_vars[i].kind == IterKind::kSpatial ? spatial_use : reduce_use) = true;
    }
    if (spatial_use && reduce_use) {
      schedule_fail(*this, "decompose_reduction", fmt::format("loop '{}' feeds both spatial and reduction variables of block '{}'",
                                                              (*it)->loop_var.name(), b->name), *it);
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
    for (const Range& range : w.region) r.region.push_back(Range{substitute(range.min, iter_copy), substitute(range.extent, iter_copy)});
    f.writes.push_back(r);
  }
  Expr predicate = substitute(e->realize->predicate, loop_copy);
  Stmt init = make_block_realize(bindings, predicate, make_block(std::move(f)));
  for (size_t k = copied.size(); k-- > 0;) {
    const ForNode* l = copied[k];
    init = make_for(Var::from_expr(loop_copy.at(l->loop_var.get())), l->min, l->extent, ForKind::kSerial, init);
  }
  // The update keeps everything but its init.
  auto update = std::make_shared<BlockNode>(*b);
  update->init = Stmt();
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
  record("DecomposeReduction", {block_rv, loop_rv}, nlohmann::json::array(), {out});
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "DecomposeReduction", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&, const nlohmann::json*) -> std::vector<AnyRV> {
      return {sch.decompose_reduction(input_block(in, 0), input_loop(in, 1))};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*, const std::vector<std::string>& out) {
      return fmt::format("BlockRV {} = sch.decompose_reduction({}, {});", out[0], in[0], in[1]);
    }});
}  // namespace

}  // namespace tessera
