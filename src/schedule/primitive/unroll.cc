// Unroll: mark a loop to unroll it completely.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::unroll(const LoopRV& loop) {
  change_loop_kind(*this, "unroll", loop, ForKind::kUnrolled, "");
  record("Unroll", {loop}, nlohmann::json::array(), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Unroll", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.unroll(input_loop(in, 0));
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>&) { return fmt::format("sch.unroll({});", in[0]); }});
}  // namespace

}  // namespace tessera
