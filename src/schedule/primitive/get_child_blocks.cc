// GetChildBlocks: the blocks directly under a block or loop (not inside nested blocks), in order.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

namespace {
std::vector<BlockRV> child_block_rvs(Schedule& sch, const StmtNode* parent,
                                     const InstInput& input) {
  std::vector<BlockRV> out;
  std::vector<AnyRV> outputs;
  for (const BlockNode* b : sch.state().child_blocks(parent)) {
    out.push_back(ScheduleAccess::new_block_rv(sch, b->name));
    outputs.push_back(out.back());
  }
  ScheduleAccess::record(sch, "GetChildBlocks", {input}, nlohmann::json::array(), outputs);
  return out;
}
}  // namespace

std::vector<BlockRV> Schedule::get_child_blocks(const BlockRV& block) {
  return child_block_rvs(*this, get(block), block);
}
std::vector<BlockRV> Schedule::get_child_blocks(const LoopRV& loop) {
  return child_block_rvs(*this, get(loop), loop);
}

namespace {
InstructionRegistration registration(InstructionKind{
    "GetChildBlocks", /*pure=*/true, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::vector<AnyRV> out;
      std::vector<BlockRV> blocks = !in.empty() && std::holds_alternative<LoopRV>(in[0])
                                        ? sch.get_child_blocks(input_loop(in, 0))
                                        : sch.get_child_blocks(input_block(in, 0));
      for (const BlockRV& b : blocks) out.push_back(b);
      return out;
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return cpp_unpack("BlockRV", out, fmt::format("sch.get_child_blocks({})", in[0]));
    }});
}  // namespace

}  // namespace tessera
