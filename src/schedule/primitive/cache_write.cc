// CacheWrite: a block writes into a new buffer <buffer>_<scope>, and a new block
// right after its loop nest copies the written part back to the original buffer.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct CacheWriteTraits : InstructionTraitsBase {
  static constexpr const char* kName = "CacheWrite";
  static constexpr const char* kMethod = "cache_write";
  static constexpr std::array<const char*, 3> kArguments = {"block", "buffer index", "scope"};
  static BlockRV apply(Schedule& sch, const BlockRV& block, int64_t buffer_index,
                       const std::string& scope) {
    return sch.cache_write(block, buffer_index, scope);
  }
};
const InstructionRegistration registration = register_instruction<CacheWriteTraits>();
}  // namespace

BlockRV Schedule::cache_write(const BlockRV& block, int64_t write_index, const std::string& scope) {
  BlockRV out = cache_stage(*this, "cache_write", block, write_index, scope, /*read=*/false);
  record_instruction<CacheWriteTraits>(*this, out, block, write_index, scope);
  return out;
}

}  // namespace tessera
