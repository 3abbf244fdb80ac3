// `tessera spaces`: the registered handwritten schedules and templates.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/schedule/space_registry.h"

namespace tessera::cli {

Command add_spaces_command(CLI::App& root) {
  auto plugins = std::make_shared<std::vector<std::string>>();
  CLI::App* app = root.add_subcommand(
      "spaces", "list the handwritten schedules and templates (spaces/) by name");
  add_plugin_option(app, *plugins);
  app->footer(
      "Lists the registered design spaces (handwritten schedules and templates, and those "
      "plugins\nadd): name and description.");
  return {app, [plugins] {
            load_plugins(*plugins);
            for (const SpaceEntry* s : registered_spaces())
              fmt::print("{:<26} {}\n", s->name, s->description);
            return 0;
          }};
}

}  // namespace tessera::cli
