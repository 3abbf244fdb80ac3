// GetConsumers: the blocks of the same scope that read a buffer the block writes, after it.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

std::vector<BlockRV> Schedule::get_consumers(const BlockRV& block) {
  std::vector<BlockRV> out;
  std::vector<AnyRV> outputs;
  for (const BlockNode* b : state().consumers(get(block))) {
    out.push_back(new_block_rv(b->name));
    outputs.push_back(out.back());
  }
  record("GetConsumers", {block}, nlohmann::json::array(), outputs);
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "GetConsumers", /*pure=*/true, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::vector<AnyRV> out;
      for (const BlockRV& b : sch.get_consumers(input_block(in, 0))) out.push_back(b);
      return out;
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return cpp_unpack("BlockRV", out, fmt::format("sch.get_consumers({})", in[0]));
    }});
}  // namespace

}  // namespace tessera
