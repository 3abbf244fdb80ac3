// Runs a shell command and collects what it prints (stdout and stderr together), for
// the code generators that call the system C compiler and linker.
//
//   CommandResult r = run_command("cc -shared -o k.so k.o");
//   if (r.status != 0) fail("linking failed:\n{}", r.output);
#pragma once

#include <string>

namespace tessera {

struct CommandResult {
  int status = 0;  // the exit status; -1 when the command could not be started or was killed
  std::string output;
};

CommandResult run_command(const std::string& command);

}  // namespace tessera
