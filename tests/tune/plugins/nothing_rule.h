// A schedule rule that leaves every block as it is: what the test plugins register when
// only the names they register matter.
#pragma once

#include "tessera/tessera.h"

namespace tessera_test_plugins {

class Nothing : public tessera::ScheduleRule {
 public:
  std::vector<tessera::Schedule> apply(const tessera::Schedule& sch, const std::string&) override {
    return {sch};
  }
};

}  // namespace tessera_test_plugins
