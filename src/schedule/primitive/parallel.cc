// Parallel: mark a loop to run its iterations in parallel on the thread pool.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ParallelTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Parallel";
  static constexpr const char* kMethod = "parallel";
  static constexpr std::array<const char*, 1> kArguments = {"loop"};
  static void apply(Schedule& sch, const LoopRV& loop) { sch.parallel(loop); }
};
const InstructionRegistration registration = register_instruction<ParallelTraits>();
}  // namespace

void Schedule::parallel(const LoopRV& loop) {
  change_loop_kind(*this, "parallel", loop, ForKind::kParallel, "");
  record_instruction<ParallelTraits>(*this, {}, loop);
}

}  // namespace tessera
