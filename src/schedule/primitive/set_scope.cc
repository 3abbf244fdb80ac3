// SetScope: the storage scope of a buffer a block writes (an intermediate allocated
// by the program, never a parameter) becomes `scope`.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct SetScopeTraits : InstructionTraitsBase {
  static constexpr const char* kName = "SetScope";
  static constexpr const char* kMethod = "set_scope";
  static constexpr std::array<const char*, 3> kArguments = {"block", "buffer index", "scope"};
  static void apply(Schedule& sch, const BlockRV& block, int64_t buffer_index,
                    const std::string& scope) {
    sch.set_scope(block, buffer_index, scope);
  }
};
const InstructionRegistration registration = register_instruction<SetScopeTraits>();
}  // namespace

void Schedule::set_scope(const BlockRV& block_rv, int64_t buffer_index, const std::string& scope) {
  const std::string primitive = "set_scope";
  const BlockNode* b = get(block_rv);
  static const std::vector<std::string> kScopes = {"global", "shared", "shared.dyn", "local",
                                                   "warp"};
  const bool known = std::find(kScopes.begin(), kScopes.end(), scope) != kScopes.end() ||
                     scope.rfind("wmma.", 0) == 0;
  if (!known) {
    schedule_fail(*this, primitive,
                  fmt::format("unknown storage scope '{}' (expected {} or wmma.*)", scope,
                              fmt::join(kScopes, ", ")),
                  b);
  }
  const Buffer& buffer = written_intermediate(*this, primitive, b, buffer_index);
  state_.replace_func(replace_buffer(func(), buffer, buffer.with_scope(scope)), primitive);
  record_instruction<SetScopeTraits>(*this, {}, block_rv, buffer_index, scope);
}

}  // namespace tessera
