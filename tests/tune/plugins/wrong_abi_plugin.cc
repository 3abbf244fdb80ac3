// A test plugin built (so it claims) for another tessera: its entry reports ABI 999.
#include "tessera/tune/plugin.h"

extern "C" __attribute__((visibility("default"))) int tessera_plugin_entry(
    tessera::PluginRegistrar* registrar) {
  if (registrar != nullptr) __builtin_trap();  // tessera must not call it again
  return 999;
}
