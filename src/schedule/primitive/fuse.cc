// Fuse: perfectly nested loops (outermost first) become one loop over the product
// of their extents; each old variable is recovered with floordiv/floormod.
#include "../instruction_traits.h"

#include "tessera/arith/analyzer.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct FuseTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Fuse";
  static constexpr const char* kMethod = "fuse";
  static constexpr std::array<const char*, 1> kArguments = {"loops"};
  static LoopRV apply(Schedule& sch, const std::vector<LoopRV>& loops) { return sch.fuse(loops); }
};
const InstructionRegistration registration = register_instruction<FuseTraits>();
}  // namespace

LoopRV Schedule::fuse(const std::vector<LoopRV>& loop_rvs) {
  if (loop_rvs.size() < 2)
    schedule_fail(*this, "fuse", fmt::format("needs at least 2 loops, got {}", loop_rvs.size()));
  std::vector<const ForNode*> loops;
  std::vector<int64_t> extents;
  for (size_t i = 0; i < loop_rvs.size(); ++i) {
    const ForNode* l = get(loop_rvs[i]);
    if (l->for_kind != ForKind::kSerial) {
      schedule_fail(*this, "fuse",
                    fmt::format("loop '{}' is {}; only serial loops can be fused",
                                l->loop_var.name(), for_kind_name(l->for_kind)),
                    l);
    }
    if (i > 0 && loops.back()->body.get() != l) {
      schedule_fail(
          *this, "fuse",
          fmt::format("loop '{}' is not the only statement in the body of loop '{}' (loops must be "
                      "perfectly nested, outermost first)",
                      l->loop_var.name(), loops.back()->loop_var.name()),
          l);
    }
    loops.push_back(l);
    extents.push_back(constant_extent(*this, "fuse", l));
  }
  DataType t = loops[0]->loop_var.dtype();
  std::string name;
  int64_t total = 1;
  for (size_t i = 0; i < loops.size(); ++i) {
    if (loops[i]->loop_var.dtype() != t)
      schedule_fail(*this, "fuse", "loop variables have different types", loops[i]);
    name += loops[i]->loop_var.name() + "_";
    total *= extents[i];
  }
  Var fused(name + "fused", t);
  Analyzer az;
  az.bind(fused, 0, total);
  VarMap map;
  int64_t inner = total;
  for (size_t i = 0; i < loops.size(); ++i) {
    inner /= extents[i];
    Expr v = make_binary(ExprKind::kFloorDiv, fused, make_int(inner, t));
    if (i > 0) v = make_binary(ExprKind::kFloorMod, v, make_int(extents[i], t));
    map[loops[i]->loop_var.get()] = az.simplify(v);
  }
  Stmt body = substitute(loops.back()->body, map);
  Stmt fused_loop = make_for(fused, make_int(0, t), make_int(total, t), ForKind::kSerial, body);
  state_.replace_func(replace_stmt(func(), loops[0], fused_loop), "fuse");
  LoopRV out = new_loop_rv(fused);
  record_instruction<FuseTraits>(*this, out, loop_rvs);
  return out;
}

}  // namespace tessera
