// Postproc: after a sketch is sampled, turns what rules left as annotations into
// primitives and rejects programs that cannot be valid. Rejecting is a normal outcome
// with a reason (counted by the search), never an exception.
//
//   std::string reason;
//   if (!postproc->apply(sch, reason)) stats.rejected[reason]++;
#pragma once

#include <string>

#include "tessera/schedule/schedule.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class Postproc {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kPostproc;
  virtual ~Postproc() = default;
  virtual void initialize(const TuneContext& ctx) { (void)ctx; }
  /// Its registered name, which rejection statistics are counted under.
  virtual std::string name() const = 0;
  /// True when the program is accepted (perhaps rewritten); false with `reason` set.
  virtual bool apply(Schedule& sch, std::string& reason) = 0;
};

}  // namespace tessera
