// SetScope: the storage scope of a buffer a block writes (an intermediate allocated
// by the program, never a parameter) becomes `scope`.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

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
  record("SetScope", {block_rv}, nlohmann::json::array({buffer_index, scope}), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "SetScope", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.set_scope(input_block(in, 0), attr_int(attrs, 0, "buffer index"),
                    attr_string(attrs, 1, "scope"));
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>&) {
      return fmt::format("sch.set_scope({}, {}, {});", in[0], attrs[0].dump(),
                         cpp_string(attrs[1].get<std::string>()));
    }});
}  // namespace

}  // namespace tessera
