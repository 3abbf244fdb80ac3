// CacheWrite: a block writes into a new buffer <buffer>_<scope>, and a new block
// right after its loop nest copies the written part back to the original buffer.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

BlockRV Schedule::cache_write(const BlockRV& block, int64_t write_index, const std::string& scope) {
  BlockRV out = cache_stage(*this, "cache_write", block, write_index, scope, /*read=*/false);
  record("CacheWrite", {block}, nlohmann::json::array({write_index, scope}), {out});
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "CacheWrite", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      return {sch.cache_write(input_block(in, 0), attr_int(attrs, 0, "buffer index"),
                              attr_string(attrs, 1, "scope"))};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>& out) {
      return fmt::format("BlockRV {} = sch.cache_write({}, {}, {});", out[0], in[0],
                         attrs[0].dump(), cpp_string(attrs[1].get<std::string>()));
    }});
}  // namespace

}  // namespace tessera
