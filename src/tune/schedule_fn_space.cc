// ScheduleFnSpace and UnionSpace: a registered handwritten schedule or template as a
// one-sketch space, and the concatenation of several spaces.
#include "tessera/schedule/space_registry.h"
#include "tessera/support/error.h"
#include "tessera/tune/space_generator.h"

namespace tessera {

std::vector<Schedule> ScheduleFnSpace::generate(const TuneContext& ctx) {
  if (space_.empty())
    fail("ScheduleFn for '{}': no space name given (see `tessera spaces`)", ctx.workload.spec);
  const SpaceEntry& space = find_space(space_);
  Schedule sch(ctx.workload.func, ctx.seed, /*traced=*/true);
  try {
    space.apply(sch);
  } catch (Error& e) {
    throw e.add_context(
        fmt::format("while applying space '{}' to {}", space.name, ctx.workload.spec));
  }
  return {sch};
}

std::vector<Schedule> UnionSpace::generate(const TuneContext& ctx) {
  if (parts_.empty()) fail("Union for '{}': no spaces to unite", ctx.workload.spec);
  std::vector<Schedule> all;
  for (const auto& part : parts_) {
    for (Schedule& s : part->generate(ctx)) all.push_back(std::move(s));
  }
  return all;
}

TESSERA_REGISTER_COMPONENT_AS(SpaceGenerator, ScheduleFnSpace, "ScheduleFn",
                              "a handwritten schedule or template from spaces/, one sketch",
                              "space=NAME (required)");
TESSERA_REGISTER_COMPONENT_AS(SpaceGenerator, UnionSpace, "Union",
                              "the sketches of several spaces, in order",
                              "spaces=[...] (required)");

}  // namespace tessera
