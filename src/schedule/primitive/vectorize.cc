// Vectorize: mark a loop to turn it into vector operations.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::vectorize(const LoopRV& loop) {
  change_loop_kind(*this, "vectorize", loop, ForKind::kVectorized, "");
  record("Vectorize", {loop}, nlohmann::json::array(), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Vectorize", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.vectorize(input_loop(in, 0));
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json*,
       const std::vector<std::string>&) { return fmt::format("sch.vectorize({});", in[0]); }});
}  // namespace

}  // namespace tessera
