// Mutator: changes one sampling decision of a trace (a tile size, an unroll step, a
// parallel extent, a compute location). It only changes decisions; the search replays
// the result and drops it when it no longer applies.
//
//   std::optional<Trace> child = mutator->apply(parent, rng);
#pragma once

#include <optional>

#include "tessera/schedule/trace.h"
#include "tessera/support/random.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class Mutator {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kMutator;
  virtual ~Mutator() = default;
  virtual void initialize(const TuneContext& ctx) { (void)ctx; }
  /// The trace with one decision changed; nullopt when this mutator finds nothing to change.
  virtual std::optional<Trace> apply(const Trace& trace, Random& rng) = 0;
};

}  // namespace tessera
