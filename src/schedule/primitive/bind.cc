// Bind: map a loop onto a GPU thread axis (blockIdx.*, threadIdx.*, vthread.*).
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct BindTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Bind";
  static constexpr const char* kMethod = "bind";
  static constexpr std::array<const char*, 2> kArguments = {"loop", "thread axis"};
  static void apply(Schedule& sch, const LoopRV& loop, const std::string& thread_axis) {
    sch.bind(loop, thread_axis);
  }
};
const InstructionRegistration registration = register_instruction<BindTraits>();
}  // namespace

void Schedule::bind(const LoopRV& loop, const std::string& thread_axis) {
  static const std::vector<std::string> kAxes = {"blockIdx.x",  "blockIdx.y",  "blockIdx.z",
                                                 "threadIdx.x", "threadIdx.y", "threadIdx.z",
                                                 "vthread.x",   "vthread.y",   "vthread.z"};
  if (std::find(kAxes.begin(), kAxes.end(), thread_axis) == kAxes.end()) {
    schedule_fail(*this, "bind",
                  fmt::format("unknown thread axis '{}' (expected one of {})", thread_axis,
                              fmt::join(kAxes, ", ")),
                  get(loop));
  }
  change_loop_kind(*this, "bind", loop, ForKind::kThreadBinding, thread_axis);
  record_instruction<BindTraits>(*this, {}, loop, thread_axis);
}

}  // namespace tessera
