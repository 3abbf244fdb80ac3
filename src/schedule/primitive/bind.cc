// Bind: map a loop onto a GPU thread axis (blockIdx.*, threadIdx.*, vthread.*).
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

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
  record("Bind", {loop}, nlohmann::json::array({thread_axis}), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Bind", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.bind(input_loop(in, 0), attr_string(attrs, 0, "thread axis"));
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>&) {
      return fmt::format("sch.bind({}, {});", in[0], cpp_string(attrs[0].get<std::string>()));
    }});
}  // namespace

}  // namespace tessera
