// TuneContext: everything one tuning task needs to know, passed to every component:
// the workload, the target, how the design space is generated, the postprocessors
// that turn a sample into a valid program, the mutators with their probabilities, the
// seed and the threads. Components read it in initialize() (a rule looks up the
// target's vector width there, say).
//
//   TuneContext ctx(workloads::get("gemm:m=512,n=512,k=512"), Target::host());
//   ctx.space_generator = make_component<SpaceGenerator>("PostOrderApply");
//   std::vector<Schedule> sketches = ctx.generate_design_space();
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/target.h"
#include "tessera/te/workloads.h"

namespace tessera {

class SpaceGenerator;
class Postproc;
class Mutator;

struct TuneContext {
  TuneContext(Workload workload, Target target);

  Workload workload;
  Target target;
  std::shared_ptr<SpaceGenerator> space_generator;
  std::vector<std::shared_ptr<Postproc>> postprocs;
  std::vector<std::pair<std::shared_ptr<Mutator>, double>> mutators;  // with their probabilities
  uint64_t seed = 0;
  int num_threads = 1;

  /// The design space: one traced schedule per sketch, its sampling decisions open
  /// (what the space generator returns). Throws Error when there is no generator.
  std::vector<Schedule> generate_design_space() const;
};

}  // namespace tessera
