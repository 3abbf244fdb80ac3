// GetChildBlocks: the blocks directly under a block or loop (not inside nested blocks), in order.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct GetChildBlocksTraits : InstructionTraitsBase {
  static constexpr const char* kName = "GetChildBlocks";
  static constexpr const char* kMethod = "get_child_blocks";
  static constexpr bool kPure = true;
  static constexpr std::array<const char*, 1> kArguments = {"block or loop"};
  static std::vector<BlockRV> apply(Schedule& sch, const BlockOrLoop& parent) {
    return std::visit([&](const auto& rv) { return sch.get_child_blocks(rv); }, parent);
  }
};
const InstructionRegistration registration = register_instruction<GetChildBlocksTraits>();
}  // namespace

namespace {
std::vector<BlockRV> child_block_rvs(Schedule& sch, const StmtNode* parent,
                                     const BlockOrLoop& input) {
  std::vector<BlockRV> out;
  for (const BlockNode* b : sch.state().child_blocks(parent))
    out.push_back(ScheduleAccess::new_block_rv(sch, b->name));
  record_instruction<GetChildBlocksTraits>(sch, out, input);
  return out;
}
}  // namespace

std::vector<BlockRV> Schedule::get_child_blocks(const BlockRV& block) {
  return child_block_rvs(*this, get(block), block);
}
std::vector<BlockRV> Schedule::get_child_blocks(const LoopRV& loop) {
  return child_block_rvs(*this, get(loop), loop);
}

}  // namespace tessera
