// `tessera show-ir`: a workload's IR in the text format.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/ir/printer.h"
#include "tessera/te/workloads.h"

namespace tessera::cli {

Command add_show_ir_command(CLI::App& root) {
  auto workload = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand(
      "show-ir", "print the IR of a workload (a library spec or an IR text file)");
  add_workload_option(app, *workload)->required();
  app->footer(
      "Prints the workload's IR in the text format (docs/ir-text-format.md), preceded by "
      "its\ncanonical spec and FLOPs.");
  return {app, [workload] {
            Workload w = workloads::get(*workload);
            fmt::print("# workload {}\n# {} FLOP\n{}", w.spec, w.flops, print(w.func));
            return 0;
          }};
}

}  // namespace tessera::cli
