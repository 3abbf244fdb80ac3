// `tessera rules`: every registered tuning component with its origin and parameters.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/tune/registry.h"

namespace tessera::cli {

Command add_rules_command(CLI::App& root) {
  auto plugins = std::make_shared<std::vector<std::string>>();
  CLI::App* app = root.add_subcommand(
      "rules",
      "list the registered tuning components (rules, postprocessors, mutators, space generators)");
  add_plugin_option(app, *plugins);
  app->footer(
      "Lists every registered tuning component (schedule rules, postprocessors, mutators, space\n"
      "generators, ...): kind, name, where it came from (built in or a plugin's path), what it "
      "does\n"
      "and its parameters with their defaults. The handwritten spaces are listed by `tessera "
      "spaces`.");
  return {app, [plugins] {
            load_plugins(*plugins);
            for (const ComponentEntry* e : registered_components()) {
              fmt::print("{:<16} {:<30} {:<10} {}{}\n", to_string(e->kind), e->name, e->origin,
                         e->description, e->parameters.empty() ? "" : " (" + e->parameters + ")");
            }
            return 0;
          }};
}

}  // namespace tessera::cli
