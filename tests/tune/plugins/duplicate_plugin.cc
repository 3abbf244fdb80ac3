// A test plugin that registers a rule under a built-in's name (MultiLevelTiling) next to
// a fresh one: loading it must fail and register neither.
#include "nothing_rule.h"

using tessera_test_plugins::Nothing;

TESSERA_PLUGIN(registrar) {
  registrar.add<tessera::ScheduleRule, Nothing>("FreshNameFromADuplicatePlugin", "test plugin", "");
  registrar.add<tessera::ScheduleRule, Nothing>("MultiLevelTiling",
                                                "test plugin: clashes with the built-in", "");
}
