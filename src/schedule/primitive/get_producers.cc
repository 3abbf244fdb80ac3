// GetProducers: the blocks of the same scope that write a buffer the block reads, before it.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

std::vector<BlockRV> Schedule::get_producers(const BlockRV& block) {
  std::vector<BlockRV> out;
  std::vector<AnyRV> outputs;
  for (const BlockNode* b : state().producers(get(block))) {
    out.push_back(new_block_rv(b->name));
    outputs.push_back(out.back());
  }
  record("GetProducers", {block}, nlohmann::json::array(), outputs);
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "GetProducers", /*pure=*/true, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::vector<AnyRV> out;
      for (const BlockRV& b : sch.get_producers(input_block(in, 0))) out.push_back(b);
      return out;
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return cpp_unpack("BlockRV", out, fmt::format("sch.get_producers({})", in[0]));
    }});
}  // namespace

}  // namespace tessera
