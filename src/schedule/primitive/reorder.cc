// Reorder: loops on one perfectly nested chain take the given order; loops of the
// chain that are not mentioned keep their positions.
#include "../instruction_traits.h"

#include <functional>
#include <set>

namespace tessera {

using namespace schedule_detail;

namespace {
struct ReorderTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Reorder";
  static constexpr const char* kMethod = "reorder";
  static constexpr std::array<const char*, 1> kArguments = {"loops"};
  static void apply(Schedule& sch, const std::vector<LoopRV>& loops) { sch.reorder(loops); }
};
const InstructionRegistration registration = register_instruction<ReorderTraits>();
}  // namespace

void Schedule::reorder(const std::vector<LoopRV>& order) {
  if (order.size() < 2)
    schedule_fail(*this, "reorder", fmt::format("needs at least 2 loops, got {}", order.size()));
  std::vector<const ForNode*> wanted;
  std::set<const ForNode*> seen;
  for (const LoopRV& rv : order) {
    const ForNode* l = get(rv);
    if (!seen.insert(l).second)
      schedule_fail(*this, "reorder", fmt::format("loop '{}' appears twice", l->loop_var.name()),
                    l);
    wanted.push_back(l);
  }
  // The outermost mentioned loop is the one with the fewest outer loops.
  const ForNode* top = wanted[0];
  for (const ForNode* l : wanted) {
    if (state_.find_loop(l->loop_var.get())->outer.size() <
        state_.find_loop(top->loop_var.get())->outer.size())
      top = l;
  }
  // Walk down the chain of single-loop bodies from the top until every mentioned loop is seen.
  std::vector<const ForNode*> chain{top};
  size_t found = 1;
  while (found < wanted.size()) {
    const ForNode* inner = chain.back()->body.as<ForNode>();
    if (inner == nullptr) {
      const ForNode* missing = nullptr;
      for (const ForNode* l : wanted) {
        if (std::find(chain.begin(), chain.end(), l) == chain.end()) missing = l;
      }
      schedule_fail(
          *this, "reorder",
          fmt::format("loop '{}' is not on the perfectly nested chain under loop '{}' (the body of "
                      "loop '{}' is not a single loop)",
                      missing->loop_var.name(), top->loop_var.name(),
                      chain.back()->loop_var.name()),
          chain.back());
    }
    chain.push_back(inner);
    if (seen.count(inner) != 0) ++found;
  }
  for (const ForNode* l : chain) {
    if (!as_const_int(l->min) || !as_const_int(l->extent)) {
      schedule_fail(
          *this, "reorder",
          fmt::format("loop '{}' has non-constant bounds, which may depend on the loops around it",
                      l->loop_var.name()),
          l);
    }
  }
  // Slots of the chain that hold mentioned loops get them in the requested order.
  std::vector<const ForNode*> result = chain;
  size_t next = 0;
  for (const ForNode*& slot : result) {
    if (seen.count(slot) != 0) slot = wanted[next++];
  }
  // A loop that feeds both spatial and reduction variables of a block must keep its
  // place: moved, it could run a reduction step of some point before that point's
  // init step (found by the random-schedule test, after fuse(j, k)).
  for (size_t p = 0; p < chain.size(); ++p) {
    if (result[p] == chain[p]) continue;
    const VarNode* v = chain[p]->loop_var.get();
    for (const BlockNode* b : state_.child_blocks(chain[p])) {
      const ScheduleState::BlockEntry* e = state_.find_block(b->name);
      bool spatial = false, reduce = false;
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        if (uses_var(e->realize->iter_values[i], v))
          (b->iter_vars[i].kind == IterKind::kSpatial ? spatial : reduce) = true;
      }
      if (spatial && reduce) {
        schedule_fail(
            *this, "reorder",
            fmt::format(
                "loop '{}' feeds both spatial and reduction variables of block '{}'; moving it "
                "could run a reduction step before the init",
                chain[p]->loop_var.name(), b->name),
            chain[p]);
      }
    }
  }
  Stmt body = chain.back()->body;
  for (size_t i = result.size(); i-- > 0;) {
    const ForNode* l = result[i];
    body =
        make_for(l->loop_var, l->min, l->extent, l->for_kind, body, l->thread_tag, l->annotations);
  }
  state_.replace_func(replace_stmt(func(), top, body), "reorder");
  record_instruction<ReorderTraits>(*this, {}, order);
}

}  // namespace tessera
