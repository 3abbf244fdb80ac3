// Runs a program with an argument vector (no shell, so no quoting) and collects what it
// prints (stdout and stderr together), for the code generators that call the system C
// compiler and linker.
//
//   CommandResult r = run_command({"cc", "-shared", "-o", "k.so", "k.o"});
//   if (r.status != 0) fail("linking failed:\n{}\ncommand: {}", r.output, command_text(args));
#pragma once

#include <string>
#include <vector>

namespace tessera {

struct CommandResult {
  int status = 0;  // the exit status; -1 when the command could not be started or was killed
  std::string output;
};

/// arguments[0] is looked up in PATH.
CommandResult run_command(const std::vector<std::string>& arguments);

/// The arguments as one line a user could paste into a shell (for error messages).
std::string command_text(const std::vector<std::string>& arguments);

/// A compiler from an environment variable that may hold a command with options
/// ("ccache gcc"): its words, or `fallback` when the variable is unset or empty.
std::vector<std::string> compiler_from_environment(const char* variable,
                                                   const std::string& fallback);

}  // namespace tessera
