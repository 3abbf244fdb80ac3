// The built-in mutators (rules/, one per file), registered under their names, with the
// llvm target's probabilities in defaults.h: MutateTileSize 0.9, MutateComputeLocation
// 0.05, MutateUnroll 0.03, MutateParallel 0.02. Each changes one decision (or, for
// MutateParallel, one annotation value) of a trace and returns the new trace; the search
// replays it strictly and drops it if it no longer applies.
//
//   Random rng(seed);
//   std::optional<Trace> child = make_mutate_tile_size()->apply(parent, rng);
#pragma once

#include <memory>

#include "tessera/tune/component_parameters.h"
#include "tessera/tune/mutator.h"

namespace tessera {

/// Moves a factor between two levels of one sample_perfect_tile decision (keeping the
/// innermost within its limit), or redraws a sample_categorical that feeds a split.
std::shared_ptr<Mutator> make_mutate_tile_size();
/// Redraws the sample_categorical that feeds a tessera.unroll annotation (another step).
std::shared_ptr<Mutator> make_mutate_unroll();
/// Changes a tessera.parallel annotation to a limit that fuses a different number of
/// outer loops (computed on the trace's program), up to cores * max_jobs_per_core.
struct MutateParallelOptions {
  int max_jobs_per_core = 16;
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("max_jobs_per_core", max_jobs_per_core);
  }
};
std::shared_ptr<Mutator> make_mutate_parallel(const MutateParallelOptions& options = {});
/// Moves a sample_compute_location decision to another legal location.
std::shared_ptr<Mutator> make_mutate_compute_location();

}  // namespace tessera
