// EnterPostproc: marks where postprocessing starts in a trace; no effect on the program.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct EnterPostprocTraits : InstructionTraitsBase {
  static constexpr const char* kName = "EnterPostproc";
  static constexpr const char* kMethod = "enter_postproc";
  static constexpr std::array<const char*, 0> kArguments = {};
  static void apply(Schedule& sch) { sch.enter_postproc(); }
};
const InstructionRegistration registration = register_instruction<EnterPostprocTraits>();
}  // namespace

void Schedule::enter_postproc() { record_instruction<EnterPostprocTraits>(*this, {}); }

}  // namespace tessera
