// Plugins: shared libraries that add schedule rules, postprocessors, mutators, space
// generators and design spaces to a tessera that was built without them. A plugin
// defines one extern "C" entry point with TESSERA_PLUGIN; tessera calls it once to learn
// the ABI version the plugin was built for and, when that matches its own, again to
// collect the plugin's entries, which it checks (no name taken already) and only then
// adds to the registries, attributed to the plugin's path. Any failure is an Error
// naming the file, and a failing plugin registers nothing.
//
//   // my_rules.cc, built as a shared library against the installed tessera (tessera.pc)
//   class TileByEight : public tessera::ScheduleRule { ... };
//   TESSERA_PLUGIN(registrar) {
//     registrar.add<tessera::ScheduleRule, TileByEight>("TileByEight", "tiles every loop by 8",
//     "");
//   }
//
//   tessera::load_plugin("build/libmy_rules.so");   // or: tessera space --plugin ...
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/schedule/space_registry.h"
#include "tessera/tune/registry.h"

/// Bumped whenever a change to tessera's headers would break a plugin built before it.
#define TESSERA_PLUGIN_ABI_VERSION 1

namespace tessera {

/// What a plugin's entry point fills in.
class PluginRegistrar {
 public:
  /// A component of interface `Interface` (ScheduleRule, Postproc, Mutator,
  /// SpaceGenerator), default-constructed for each use.
  template <typename Interface, typename Class>
  void add(const std::string& name, const std::string& description, const std::string& parameters) {
    components.push_back(
        ComponentEntry{Interface::kKind, name, description, parameters, "",
                       [] { return std::static_pointer_cast<void>(std::make_shared<Class>()); }});
  }
  /// A design space (a handwritten schedule or a template), as spaces/ registers them.
  void add_space(const std::string& name, const std::string& description, ScheduleFn apply) {
    spaces.push_back(SpaceEntry{name, description, std::move(apply)});
  }

  std::vector<ComponentEntry> components;
  std::vector<SpaceEntry> spaces;
};

/// Loads the plugin at `path` (loading one path twice does nothing the second time).
void load_plugin(const std::string& path);
/// Loads every `*.so` in the directories of $TESSERA_PLUGIN_PATH (separated by ':'), in
/// name order; a directory that does not exist is an Error naming it.
void load_plugins_from_environment();
/// The paths of the plugins loaded so far, in order.
std::vector<std::string> loaded_plugins();

}  // namespace tessera

/// The plugin's entry point: called with nullptr it only returns the ABI version it was
/// built for; called with a registrar it also fills it in.
#define TESSERA_PLUGIN(registrar)                                             \
  static void tessera_plugin_register(::tessera::PluginRegistrar& registrar); \
  extern "C" __attribute__((visibility("default"))) int tessera_plugin_entry( \
      ::tessera::PluginRegistrar* r) {                                        \
    if (r != nullptr) tessera_plugin_register(*r);                            \
    return TESSERA_PLUGIN_ABI_VERSION;                                        \
  }                                                                           \
  static void tessera_plugin_register(::tessera::PluginRegistrar& registrar)
