// Unroll: mark a loop to unroll it completely.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct UnrollTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Unroll";
  static constexpr const char* kMethod = "unroll";
  static constexpr std::array<const char*, 1> kArguments = {"loop"};
  static void apply(Schedule& sch, const LoopRV& loop) { sch.unroll(loop); }
};
const InstructionRegistration registration = register_instruction<UnrollTraits>();
}  // namespace

void Schedule::unroll(const LoopRV& loop) {
  change_loop_kind(*this, "unroll", loop, ForKind::kUnrolled, "");
  record_instruction<UnrollTraits>(*this, {}, loop);
}

}  // namespace tessera
