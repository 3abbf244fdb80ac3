// GetProducers: the blocks of the same scope that write a buffer the block reads, before it.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct GetProducersTraits : InstructionTraitsBase {
  static constexpr const char* kName = "GetProducers";
  static constexpr const char* kMethod = "get_producers";
  static constexpr bool kPure = true;
  static constexpr std::array<const char*, 1> kArguments = {"block"};
  static std::vector<BlockRV> apply(Schedule& sch, const BlockRV& block) {
    return sch.get_producers(block);
  }
};
const InstructionRegistration registration = register_instruction<GetProducersTraits>();
}  // namespace

std::vector<BlockRV> Schedule::get_producers(const BlockRV& block) {
  std::vector<BlockRV> out;
  for (const BlockNode* b : state().producers(get(block))) out.push_back(new_block_rv(b->name));
  record_instruction<GetProducersTraits>(*this, out, block);
  return out;
}

}  // namespace tessera
