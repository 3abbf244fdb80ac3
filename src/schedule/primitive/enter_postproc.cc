// EnterPostproc: marks where postprocessing starts in a trace; no effect on the program.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::enter_postproc() { record("EnterPostproc", {}, nlohmann::json::array(), {}); }

namespace {
InstructionRegistration registration(InstructionKind{
    "EnterPostproc", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>&, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.enter_postproc();
      return {};
    },
    [](const std::vector<std::string>&, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>&) { return std::string("sch.enter_postproc();"); }});
}  // namespace

}  // namespace tessera
