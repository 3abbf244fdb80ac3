// Named design spaces: handwritten schedules and templates written in the scheduling DSL
// (the files under spaces/), registered by name so that `tessera replay --space NAME`
// and the tuner can find them. The registry lives inside libtessera, so a plugin that
// registers a space adds it to the same registry the driver reads.
//
//   void gemm_manual(Schedule& sch) { ... }
//   TESSERA_REGISTER_SPACE(gemm_manual, "register-tiled, packed, vectorized GEMM");
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tessera/schedule/schedule.h"

namespace tessera {

using ScheduleFn = std::function<void(Schedule&)>;

struct SpaceEntry {
  std::string name;
  std::string description;  // one line, shown by `tessera spaces`
  ScheduleFn apply;
};

/// Adds a space; a second space with the same name is an error.
void register_space(const std::string& name, const std::string& description, ScheduleFn apply);
/// The space called `name`; an Error listing the registered names if there is none.
const SpaceEntry& find_space(const std::string& name);
/// Every registered space, sorted by name.
std::vector<const SpaceEntry*> registered_spaces();

}  // namespace tessera

#define TESSERA_REGISTER_SPACE(fn, description)                      \
  [[maybe_unused]] static const bool tessera_space_registered_##fn = \
      (::tessera::register_space(#fn, description, fn), true)
