// GetBlock: a block by its name.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

BlockRV Schedule::get_block(const std::string& name) {
  if (state_.find_block(name) == nullptr) {
    std::vector<std::string> names;
    for (const BlockNode* b : state_.blocks()) names.push_back(b->name);
    schedule_fail(
        *this, "get_block",
        fmt::format("no block named '{}'; the blocks are: {}", name, fmt::join(names, ", ")));
  }
  BlockRV rv = new_block_rv(name);
  record("GetBlock", {}, nlohmann::json::array({name}), {rv});
  return rv;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "GetBlock", /*pure=*/true, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>&, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      return {sch.get_block(attr_string(attrs, 0, "block name"))};
    },
    [](const std::vector<std::string>&, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return fmt::format("BlockRV {} = sch.get_block({});", out[0],
                         cpp_string(attrs[0].get<std::string>()));
    }});
}  // namespace

}  // namespace tessera
