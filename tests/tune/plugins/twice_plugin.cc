// A test plugin that registers one rule name twice.
#include "tessera/tessera.h"

namespace {

class Nothing : public tessera::ScheduleRule {
 public:
  std::vector<tessera::Schedule> apply(const tessera::Schedule& sch, const std::string&) override { return {sch}; }
};

}  // namespace

TESSERA_PLUGIN(registrar) {
  registrar.add<tessera::ScheduleRule, Nothing>("TwiceInOnePlugin", "test plugin", "");
  registrar.add<tessera::ScheduleRule, Nothing>("TwiceInOnePlugin", "test plugin, again", "");
}
