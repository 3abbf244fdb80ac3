// Parallel: mark a loop to run its iterations in parallel on the thread pool.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::parallel(const LoopRV& loop) {
  change_loop_kind(*this, "parallel", loop, ForKind::kParallel, "");
  record("Parallel", {loop}, nlohmann::json::array(), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Parallel", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.parallel(input_loop(in, 0));
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>&) { return fmt::format("sch.parallel({});", in[0]); }});
}  // namespace

}  // namespace tessera
