// Merge: sibling loops with the same bounds become one loop that runs their bodies
// in order (the first loop's variable stands for all of them).
#include "../instruction_traits.h"

#include "tessera/ir/mutator.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct MergeTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Merge";
  static constexpr const char* kMethod = "merge";
  static constexpr std::array<const char*, 1> kArguments = {"loops"};
  static LoopRV apply(Schedule& sch, const std::vector<LoopRV>& loops) { return sch.merge(loops); }
};
const InstructionRegistration registration = register_instruction<MergeTraits>();
}  // namespace

LoopRV Schedule::merge(const std::vector<LoopRV>& loop_rvs) {
  if (loop_rvs.size() < 2)
    schedule_fail(*this, "merge", fmt::format("needs at least 2 loops, got {}", loop_rvs.size()));
  std::vector<const ForNode*> loops;
  for (const LoopRV& rv : loop_rvs) loops.push_back(get(rv));
  const ForNode* first = loops[0];
  const ScheduleState::LoopEntry* e0 = state_.find_loop(first->loop_var.get());
  // Siblings: the same loops around them, and they are statements of one sequence.
  const SeqStmtNode* parent = nullptr;
  class FindParent : public IRVisitor {
   public:
    const StmtNode* target;
    const SeqStmtNode* parent = nullptr;
    void visit_seq(const SeqStmtNode* op) override {
      for (const Stmt& s : op->seq) {
        if (s.get() == target) parent = op;
      }
      IRVisitor::visit_seq(op);
    }
  } finder;
  finder.target = first;
  finder.visit_func(func());
  parent = finder.parent;
  VarMap map;
  std::vector<Stmt> bodies{first->body};
  for (size_t i = 1; i < loops.size(); ++i) {
    const ForNode* l = loops[i];
    const ScheduleState::LoopEntry* e = state_.find_loop(l->loop_var.get());
    bool sibling = parent != nullptr && e->outer == e0->outer &&
                   std::any_of(parent->seq.begin(), parent->seq.end(),
                               [&](const Stmt& s) { return s.get() == l; });
    if (!sibling) {
      schedule_fail(
          *this, "merge",
          fmt::format("loop '{}' is not a sibling of loop '{}' (same parent, same loops around)",
                      l->loop_var.name(), first->loop_var.name()),
          l);
    }
    if (!is_const_int(l->min, as_const_int(first->min).value_or(-1)) ||
        !is_const_int(l->extent, as_const_int(first->extent).value_or(-1))) {
      schedule_fail(*this, "merge",
                    fmt::format("loop '{}' and loop '{}' have different bounds", l->loop_var.name(),
                                first->loop_var.name()),
                    l);
    }
    if (l->for_kind != first->for_kind) {
      schedule_fail(*this, "merge",
                    fmt::format("loop '{}' is {} but loop '{}' is {}", l->loop_var.name(),
                                for_kind_name(l->for_kind), first->loop_var.name(),
                                for_kind_name(first->for_kind)),
                    l);
    }
    bodies.push_back(substitute(l->body, VarMap{{l->loop_var.get(), first->loop_var}}));
  }
  Stmt merged = make_for(first->loop_var, first->min, first->extent, first->for_kind,
                         make_seq(bodies), first->thread_tag, first->annotations);
  class Merger : public IRMutator {
   public:
    const ForNode* first;
    std::vector<const ForNode*> others;
    Stmt merged;
    Stmt mutate_stmt(const Stmt& s) override {
      if (s.get() == first) return merged;
      if (std::find(others.begin(), others.end(), s.get()) != others.end()) return make_seq({});
      return IRMutator::mutate_stmt(s);
    }
  } merger;
  merger.first = first;
  merger.others.assign(loops.begin() + 1, loops.end());
  merger.merged = merged;
  state_.replace_func(merger.mutate_func(func()), "merge");
  LoopRV out = new_loop_rv(first->loop_var);
  record_instruction<MergeTraits>(*this, out, loop_rvs);
  return out;
}

}  // namespace tessera
