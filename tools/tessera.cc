// The `tessera` driver: one binary, one command per task, each in its own file
// (tools/<name>_command.cc) on CLI11. `tessera --help` lists the commands,
// `tessera COMMAND --help` describes one.
#include <cstdio>
#include <exception>
#include <vector>

#include "commands.h"
#include "tessera/support/error.h"
#include "tessera/tune/plugin.h"

namespace {

constexpr const char* kFooter =
    R"(Plugins (--plugin, or every *.so in the directories of $TESSERA_PLUGIN_PATH) add rules,
postprocessors, mutators and spaces (docs/plugins.md).

A WORKLOAD is a library name with parameters (gemm:m=512,n=512,k=512, C2D:1,
C2D:n=1,h=56,w=56,ci=64,co=64,kernel=3,stride=1,pad=1) or the path of a file in
the IR text format (docs/ir-text-format.md). 'tessera COMMAND --help' describes
a command.)";

int run(int argc, char** argv) {
  using namespace tessera::cli;
  CLI::App root("tessera makes tensor programs fast: schedules, design spaces, tuning and replay.",
                "tessera");
  root.formatter(std::make_shared<HelpFormatter>());
  std::vector<Command> commands = {
      add_workloads_command(root), add_show_ir_command(root),    add_run_command(root),
      add_replay_command(root),    add_tune_command(root),       add_costmodel_command(root),
      add_db_command(root),        add_space_command(root),      add_spaces_command(root),
      add_rules_command(root),     add_show_command(root),       add_import_command(root),
      add_run_model_command(root), add_tune_model_command(root), add_version_command(root),
  };
  for (Command& c : commands) c.app->group("Commands");
  root.footer(kFooter);  // after the commands, which would inherit it
  return run_command_line(root, commands, argc, argv,
                          [] { tessera::load_plugins_from_environment(); });
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "tessera: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: internal error: %s\n", e.what());
    return 3;
  }
}
