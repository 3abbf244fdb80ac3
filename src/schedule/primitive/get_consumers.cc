// GetConsumers: the blocks of the same scope that read a buffer the block writes, after it.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct GetConsumersTraits : InstructionTraitsBase {
  static constexpr const char* kName = "GetConsumers";
  static constexpr const char* kMethod = "get_consumers";
  static constexpr bool kPure = true;
  static constexpr std::array<const char*, 1> kArguments = {"block"};
  static std::vector<BlockRV> apply(Schedule& sch, const BlockRV& block) {
    return sch.get_consumers(block);
  }
};
const InstructionRegistration registration = register_instruction<GetConsumersTraits>();
}  // namespace

std::vector<BlockRV> Schedule::get_consumers(const BlockRV& block) {
  std::vector<BlockRV> out;
  for (const BlockNode* b : state().consumers(get(block))) out.push_back(new_block_rv(b->name));
  record_instruction<GetConsumersTraits>(*this, out, block);
  return out;
}

}  // namespace tessera
