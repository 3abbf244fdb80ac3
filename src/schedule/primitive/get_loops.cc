// GetLoops: the loops around a block within its scope, outermost first.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct GetLoopsTraits : InstructionTraitsBase {
  static constexpr const char* kName = "GetLoops";
  static constexpr const char* kMethod = "get_loops";
  static constexpr bool kPure = true;
  static constexpr std::array<const char*, 1> kArguments = {"block"};
  static std::vector<LoopRV> apply(Schedule& sch, const BlockRV& block) {
    return sch.get_loops(block);
  }
};
const InstructionRegistration registration = register_instruction<GetLoopsTraits>();
}  // namespace

std::vector<LoopRV> Schedule::get_loops(const BlockRV& block) {
  const BlockNode* b = get(block);
  std::vector<LoopRV> out;
  for (const ForNode* loop : state_.find_block(b->name)->loops)
    out.push_back(new_loop_rv(loop->loop_var));
  record_instruction<GetLoopsTraits>(*this, out, block);
  return out;
}

}  // namespace tessera
