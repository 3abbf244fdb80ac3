// Helpers the handwritten schedules use to pick tile sizes from the workload's shape,
// so one schedule applies to every shape of its operator.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "tessera/ir/op.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/error.h"

namespace tessera::spaces {

/// The constant extent of `loop`; an Error naming the space and the loop otherwise.
inline int64_t extent_of(const Schedule& sch, const LoopRV& loop, const std::string& space) {
  auto e = as_const_int(sch.get(loop)->extent);
  if (!e) fail("{}: loop '{}' has no constant extent", space, sch.get(loop)->loop_var.name());
  return *e;
}

/// The largest divisor of n that is at most cap (1 when there is none above 1).
inline int64_t largest_divisor_at_most(int64_t n, int64_t cap) {
  for (int64_t d = std::min(n, cap); d > 1; --d) {
    if (n % d == 0) return d;
  }
  return 1;
}

}  // namespace tessera::spaces
