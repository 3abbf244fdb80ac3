// AddUnitLoop: a loop of extent 1 around a block (directly around its realization)
// or around a loop. Useful to give a block a loop to compute_at or bind.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct AddUnitLoopTraits : InstructionTraitsBase {
  static constexpr const char* kName = "AddUnitLoop";
  static constexpr const char* kMethod = "add_unit_loop";
  static constexpr std::array<const char*, 1> kArguments = {"block or loop"};
  static LoopRV apply(Schedule& sch, const BlockOrLoop& target) {
    return std::visit([&](const auto& rv) { return sch.add_unit_loop(rv); }, target);
  }
};
const InstructionRegistration registration = register_instruction<AddUnitLoopTraits>();
}  // namespace

namespace {
LoopRV wrap(Schedule& sch, const StmtNode* target, const std::string& name,
            const BlockOrLoop& input) {
  Var v(name + "_unit");
  auto make = [&](const Stmt& original) {
    return make_for(v, make_int(0), make_int(1), ForKind::kSerial, original);
  };
  ScheduleAccess::mutable_state(sch).replace_func(replace_stmt_with(sch.func(), target, make),
                                                  "add_unit_loop");
  LoopRV out = ScheduleAccess::new_loop_rv(sch, v);
  record_instruction<AddUnitLoopTraits>(sch, out, input);
  return out;
}
}  // namespace

LoopRV Schedule::add_unit_loop(const BlockRV& block) {
  const BlockNode* b = get(block);
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  return wrap(*this, e->realize, b->name, block);
}

LoopRV Schedule::add_unit_loop(const LoopRV& loop) {
  const ForNode* l = get(loop);
  return wrap(*this, l, l->loop_var.name(), loop);
}

}  // namespace tessera
