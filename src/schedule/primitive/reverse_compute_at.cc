// ReverseComputeAt: move a consumer block under a loop that encloses its producers,
// so that per iteration of the loop it consumes exactly what they have produced.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ReverseComputeAtTraits : InstructionTraitsBase {
  static constexpr const char* kName = "ReverseComputeAt";
  static constexpr const char* kMethod = "reverse_compute_at";
  static constexpr std::array<const char*, 3> kArguments = {"block", "loop", "preserve_unit_loops"};
  static void apply(Schedule& sch, const BlockRV& block, const LoopRV& loop,
                    bool preserve_unit_loops) {
    sch.reverse_compute_at(block, loop, preserve_unit_loops);
  }
};
const InstructionRegistration registration = register_instruction<ReverseComputeAtTraits>();
}  // namespace

void Schedule::reverse_compute_at(const BlockRV& block, const LoopRV& loop,
                                  bool preserve_unit_loops) {
  if (location_of(loop) != Location::kLoop) {
    schedule_fail(*this, "reverse_compute_at", "needs a loop (not the root or inline location)");
  }
  move_block_under_loop(*this, "reverse_compute_at", block, loop, preserve_unit_loops,
                        /*reverse=*/true);
  record_instruction<ReverseComputeAtTraits>(*this, {}, block, loop, preserve_unit_loops);
}

}  // namespace tessera
