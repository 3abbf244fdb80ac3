// GetLoops: the loops around a block within its scope, outermost first.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

std::vector<LoopRV> Schedule::get_loops(const BlockRV& block) {
  const BlockNode* b = get(block);
  std::vector<LoopRV> out;
  std::vector<AnyRV> outputs;
  for (const ForNode* loop : state_.find_block(b->name)->loops) {
    out.push_back(new_loop_rv(loop->loop_var));
    outputs.push_back(out.back());
  }
  record("GetLoops", {block}, nlohmann::json::array(), outputs);
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "GetLoops", /*pure=*/true, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::vector<AnyRV> out;
      for (const LoopRV& l : sch.get_loops(input_block(in, 0))) out.push_back(l);
      return out;
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return cpp_unpack("LoopRV", out, fmt::format("sch.get_loops({})", in[0]));
    }});
}  // namespace

}  // namespace tessera
