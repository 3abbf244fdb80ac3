// AddUnitLoop: a loop of extent 1 around a block (directly around its realization)
// or around a loop. Useful to give a block a loop to compute_at or bind.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

namespace {
LoopRV wrap(Schedule& sch, const StmtNode* target, const std::string& name,
            const InstInput& input) {
  Var v(name + "_unit");
  auto make = [&](const Stmt& original) {
    return make_for(v, make_int(0), make_int(1), ForKind::kSerial, original);
  };
  ScheduleAccess::mutable_state(sch).replace_func(replace_stmt_with(sch.func(), target, make),
                                                  "add_unit_loop");
  LoopRV out = ScheduleAccess::new_loop_rv(sch, v);
  ScheduleAccess::record(sch, "AddUnitLoop", {input}, nlohmann::json::array(), {out});
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

namespace {
InstructionRegistration registration(InstructionKind{
    "AddUnitLoop", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      if (!in.empty() && std::holds_alternative<LoopRV>(in[0]))
        return {sch.add_unit_loop(input_loop(in, 0))};
      return {sch.add_unit_loop(input_block(in, 0))};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return fmt::format("LoopRV {} = sch.add_unit_loop({});", out[0], in[0]);
    }});
}  // namespace

}  // namespace tessera
