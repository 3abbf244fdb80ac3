// ReverseComputeAt: move a consumer block under a loop that encloses its producers,
// so that per iteration of the loop it consumes exactly what they have produced.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::reverse_compute_at(const BlockRV& block, const LoopRV& loop,
                                  bool preserve_unit_loops) {
  if (location_of(loop) != Location::kLoop) {
    schedule_fail(*this, "reverse_compute_at", "needs a loop (not the root or inline location)");
  }
  move_block_under_loop(*this, "reverse_compute_at", block, loop, preserve_unit_loops,
                        /*reverse=*/true);
  record("ReverseComputeAt", {block, loop}, nlohmann::json::array({preserve_unit_loops ? 1 : 0}),
         {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "ReverseComputeAt", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      sch.reverse_compute_at(input_block(in, 0), input_loop(in, 1),
                             attr_int(attrs, 0, "preserve_unit_loops") != 0);
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>&) {
      return fmt::format("sch.reverse_compute_at({}, {}, {});", in[0], in[1],
                         attrs[0].get<int64_t>() != 0 ? "true" : "false");
    }});
}  // namespace

}  // namespace tessera
