// A test plugin that registers a rule under a built-in's name (MultiLevelTiling) next to
// a fresh one: loading it must fail and register neither.
#include "tessera/tessera.h"

namespace {

class Nothing : public tessera::ScheduleRule {
 public:
  std::vector<tessera::Schedule> apply(const tessera::Schedule& sch, const std::string&) override { return {sch}; }
};

}  // namespace

TESSERA_PLUGIN(registrar) {
  registrar.add<tessera::ScheduleRule, Nothing>("FreshNameFromADuplicatePlugin", "test plugin", "");
  registrar.add<tessera::ScheduleRule, Nothing>("MultiLevelTiling", "test plugin: clashes with the built-in", "");
}
