// GetBlock: a block by its name.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct GetBlockTraits : InstructionTraitsBase {
  static constexpr const char* kName = "GetBlock";
  static constexpr const char* kMethod = "get_block";
  static constexpr bool kPure = true;
  static constexpr std::array<const char*, 1> kArguments = {"block name"};
  static BlockRV apply(Schedule& sch, const std::string& name) { return sch.get_block(name); }
};
const InstructionRegistration registration = register_instruction<GetBlockTraits>();
}  // namespace

BlockRV Schedule::get_block(const std::string& name) {
  if (state_.find_block(name) == nullptr) {
    std::vector<std::string> names;
    for (const BlockNode* b : state_.blocks()) names.push_back(b->name);
    schedule_fail(
        *this, "get_block",
        fmt::format("no block named '{}'; the blocks are: {}", name, fmt::join(names, ", ")));
  }
  BlockRV rv = new_block_rv(name);
  record_instruction<GetBlockTraits>(*this, rv, name);
  return rv;
}

}  // namespace tessera
