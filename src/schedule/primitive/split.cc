// Split: one loop becomes nested loops whose extents are the factors. When the
// factors' product exceeds the extent, the blocks under the loop get the
// predicate `original < extent`, so no iteration runs twice or out of range.
#include "../instruction_traits.h"

#include "tessera/arith/analyzer.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct SplitTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Split";
  static constexpr const char* kMethod = "split";
  static constexpr std::array<const char*, 2> kArguments = {"loop", "factors"};
  static std::vector<LoopRV> apply(Schedule& sch, const LoopRV& loop,
                                   const std::vector<FactorArg>& factors) {
    return sch.split(loop, factors);
  }
};
const InstructionRegistration registration = register_instruction<SplitTraits>();
}  // namespace

namespace {

// Substitutes the old loop variable in block bindings and adds the predicate to the
// realizations that now depend on the new loops.
class SplitRewriter : public IRMutator {
 public:
  SplitRewriter(const VarMap& map, Expr predicate, std::vector<Var> new_vars, Analyzer& az)
      : map_(map), predicate_(std::move(predicate)), new_vars_(std::move(new_vars)), az_(az) {}

 protected:
  Expr mutate_var(const Expr& e) override {
    auto it = map_.find(e.as<VarNode>());
    return it == map_.end() ? e : it->second;
  }
  // Every block realized directly under the loop (not inside another block) runs once
  // per iteration of the new loops, so when they overshoot the extent each one gets the
  // predicate, whether or not its bindings use the loop (found by the random-schedule test).
  Stmt mutate_block_realize(const BlockRealizeNode* op, const Stmt& s) override {
    std::vector<Expr> values;
    bool changed = false;
    for (const Expr& v : op->iter_values) {
      Expr nv = substitute(v, map_);
      if (!nv.same_as(v)) {
        nv = az_.simplify(nv);
        changed = true;
      }
      values.push_back(nv);
    }
    const bool outermost = depth_ == 0;
    ++depth_;
    Stmt block = mutate_stmt(op->block);
    --depth_;
    Expr pred = substitute(op->predicate, map_);
    const bool guard = outermost && predicate_.defined();
    if (!changed && !guard && block.same_as(op->block) && pred.same_as(op->predicate)) return s;
    if (guard) pred = is_const_int(pred, 1) ? predicate_ : logical_and(pred, predicate_);
    return make_block_realize(std::move(values), pred, block);
  }

 private:
  int depth_ = 0;
  const VarMap& map_;
  Expr predicate_;
  std::vector<Var> new_vars_;
  Analyzer& az_;
};

}  // namespace

std::vector<LoopRV> Schedule::split(const LoopRV& loop_rv, const std::vector<ExprRV>& factors) {
  std::vector<FactorArg> args(factors.begin(), factors.end());
  return split(loop_rv, args);
}

std::vector<LoopRV> Schedule::split(const LoopRV& loop_rv, const std::vector<FactorArg>& factors) {
  const ForNode* loop = get(loop_rv);
  const std::string& name = loop->loop_var.name();
  if (loop->for_kind != ForKind::kSerial) {
    schedule_fail(*this, "split",
                  fmt::format("loop '{}' is {}; split it before changing its kind", name,
                              for_kind_name(loop->for_kind)),
                  loop);
  }
  const int64_t extent = constant_extent(*this, "split", loop);
  if (factors.size() < 2)
    schedule_fail(*this, "split", fmt::format("needs at least 2 factors, got {}", factors.size()),
                  loop);
  std::vector<int64_t> values(factors.size(), 0);
  int inferred = -1;
  int64_t product = 1;
  for (size_t i = 0; i < factors.size(); ++i) {
    const auto& v = factors[i].value();
    if (factors[i].inferred()) {
      if (inferred >= 0)
        schedule_fail(*this, "split", "at most one factor may be inferred (std::nullopt/null)",
                      loop);
      inferred = static_cast<int>(i);
      continue;
    }
    values[i] =
        std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : get(std::get<ExprRV>(v));
    if (values[i] < 1)
      schedule_fail(*this, "split",
                    fmt::format("factor {} is {}; factors must be positive", i, values[i]), loop);
    product *= values[i];
  }
  if (inferred >= 0) {
    values[static_cast<size_t>(inferred)] = (extent + product - 1) / product;
    product *= values[static_cast<size_t>(inferred)];
  }
  if (product < extent) {
    schedule_fail(*this, "split",
                  fmt::format("factors [{}] multiply to {}, less than the extent {} of loop '{}'",
                              fmt::join(values, ", "), product, extent, name),
                  loop);
  }
  DataType t = loop->loop_var.dtype();
  std::vector<Var> vars;
  Expr fused;
  for (size_t i = 0; i < values.size(); ++i) {
    vars.push_back(Var(fmt::format("{}_{}", name, i), t));
    fused = fused.defined()
                ? make_binary(ExprKind::kAdd,
                              make_binary(ExprKind::kMul, fused, make_int(values[i], t)), vars[i])
                : Expr(vars[i]);
  }
  Analyzer az;
  for (size_t i = 0; i < values.size(); ++i) az.bind(vars[i], 0, values[i]);
  Expr simplified = az.simplify(fused);
  Expr predicate =
      product > extent ? make_binary(ExprKind::kLT, simplified, make_int(extent, t)) : Expr();
  VarMap map{{loop->loop_var.get(), simplified}};
  SplitRewriter rewriter(map, predicate, vars, az);
  Stmt body = rewriter.mutate_stmt(loop->body);
  for (size_t i = values.size(); i-- > 0;) {
    body = make_for(vars[i], make_int(0, t), make_int(values[i], t), ForKind::kSerial, body, "",
                    i == 0 ? loop->annotations : Annotations{});
  }
  state_.replace_func(replace_stmt(func(), loop, body), "split");
  std::vector<LoopRV> out;
  for (const Var& v : vars) out.push_back(new_loop_rv(v));
  record_instruction<SplitTraits>(*this, out, loop_rv, factors);
  return out;
}

}  // namespace tessera
