// `tessera show`: a trace file as C++.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "driver_common.h"

namespace tessera::cli {

Command add_show_command(CLI::App& root) {
  auto path = std::make_shared<std::string>();
  CLI::App* app = root.add_subcommand("show", "print a trace as C++ (a handwritten schedule)");
  app->add_option("trace", *path, "the trace, as JSON (docs/trace-format.md)")
      ->required()
      ->type_name("FILE.json");
  app->footer(
      "Prints the trace as the body of a C++ schedule function: void f(Schedule& sch) { ... }.");
  return {app, [path] {
            std::fputs(load_trace(*path).as_cpp().c_str(), stdout);
            return 0;
          }};
}

}  // namespace tessera::cli
