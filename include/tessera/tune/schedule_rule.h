// ScheduleRule: from a schedule and one of its blocks, the sketches the rule makes of
// it (several when the rule branches, the schedule itself when it does not apply).
// Rules live in rules/, one per file, and register under their CamelCase names; a
// plugin adds its own the same way (registry.h).
//
//   class TileEverything : public ScheduleRule {
//     std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {...}
//   };
//   TESSERA_REGISTER_COMPONENT(ScheduleRule, TileEverything, "tiles every loop by 8", "");
#pragma once

#include <string>
#include <vector>

#include "tessera/schedule/schedule.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class ScheduleRule {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kScheduleRule;
  virtual ~ScheduleRule() = default;
  /// Reads what the rule needs from the task (the target's vector width, say).
  virtual void initialize(const TuneContext& ctx) { (void)ctx; }
  /// The sketches for the block named `block` of `sch` (copies; `sch` is not changed).
  virtual std::vector<Schedule> apply(const Schedule& sch, const std::string& block) = 0;
};

}  // namespace tessera
