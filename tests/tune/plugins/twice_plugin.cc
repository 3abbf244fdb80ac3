// A test plugin that registers one rule name twice.
#include "nothing_rule.h"

using tessera_test_plugins::Nothing;

TESSERA_PLUGIN(registrar) {
  registrar.add<tessera::ScheduleRule, Nothing>("TwiceInOnePlugin", "test plugin", "");
  registrar.add<tessera::ScheduleRule, Nothing>("TwiceInOnePlugin", "test plugin, again", "");
}
