#include "tessera/tune/tune_context.h"

#include "tessera/support/error.h"
#include "tessera/tune/space_generator.h"

namespace tessera {

TuneContext::TuneContext(Workload workload_, Target target_)
    : workload(std::move(workload_)), target(std::move(target_)) {}

std::vector<Schedule> TuneContext::generate_design_space() const {
  if (!space_generator) fail("tuning '{}': no space generator is set", workload.spec);
  return space_generator->generate(*this);
}

}  // namespace tessera
