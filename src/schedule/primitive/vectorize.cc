// Vectorize: mark a loop to turn it into vector operations.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct VectorizeTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Vectorize";
  static constexpr const char* kMethod = "vectorize";
  static constexpr std::array<const char*, 1> kArguments = {"loop"};
  static void apply(Schedule& sch, const LoopRV& loop) { sch.vectorize(loop); }
};
const InstructionRegistration registration = register_instruction<VectorizeTraits>();
}  // namespace

void Schedule::vectorize(const LoopRV& loop) {
  change_loop_kind(*this, "vectorize", loop, ForKind::kVectorized, "");
  record_instruction<VectorizeTraits>(*this, {}, loop);
}

}  // namespace tessera
