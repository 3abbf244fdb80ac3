// `tessera version`: tessera's version, commit and LLVM version.
#include <fmt/format.h>

#include "commands.h"
#include "tessera/support/version.h"

namespace tessera::cli {

Command add_version_command(CLI::App& root) {
  CLI::App* app =
      root.add_subcommand("version", "print tessera's version, commit and LLVM version");
  return {app, [] {
            fmt::print("tessera {} (commit {}), LLVM {}\n", version(), git_commit(),
                       llvm_version());
            return 0;
          }};
}

}  // namespace tessera::cli
