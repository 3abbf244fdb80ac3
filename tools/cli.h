// The command line of `tessera`, on CLI11: how a command registers itself, typed options
// that validate their text before anything runs, and the help layout every command shares.
//
//   Command add_run_command(CLI::App& root) {
//     auto options = std::make_shared<RunOptions>();
//     CLI::App* app = root.add_subcommand("run", "run a workload in the reference interpreter");
//     add_workload_option(app, options->workload);
//     add_integer(app, "--seed", options->seed, uint64_t{0}, "seed of the random inputs");
//     return {app, [options] { return run(*options); }};
//   }
//
// A bad value is refused while parsing, naming the option and the value
// ("--threads: expected an integer from 1 to 4096, got 'abc'"), before any work starts.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace tessera::cli {

/// One `tessera` command: its CLI11 subcommand, and what runs once its options are parsed
/// (the command's exit status).
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// True when the user gave the option on the command line.
inline bool given(const CLI::Option* option) { return option != nullptr && option->count() > 0; }

/// An integer option of type T whose text must be a whole integer from `min` to `max`.
template <typename T>
CLI::Option* add_integer(CLI::App* app, const std::string& names, T& value, T min,
                         const std::string& help, T max = std::numeric_limits<T>::max()) {
  const std::string range = max == std::numeric_limits<T>::max()
                                ? fmt::format("an integer of at least {}", min)
                                : fmt::format("an integer from {} to {}", min, max);
  CLI::Validator check(
      [=](std::string& text) -> std::string {
        T parsed{};
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, parsed);
        if (text.empty() || error != std::errc() || stop != end || parsed < min || parsed > max) {
          return fmt::format("expected {}, got '{}'", range, text);
        }
        return {};
      },
      "", "integer");
  return app->add_option(names, value, help)->check(check)->type_name("INT");
}

/// A positive, finite number of seconds.
inline CLI::Option* add_seconds(CLI::App* app, const std::string& names, double& value,
                                const std::string& help) {
  CLI::Validator check(
      [](std::string& text) -> std::string {
        double parsed = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, parsed);
        if (text.empty() || error != std::errc() || stop != end || !(parsed > 0) ||
            !std::isfinite(parsed)) {
          return fmt::format("expected a positive number of seconds, got '{}'", text);
        }
        return {};
      },
      "", "seconds");
  return app->add_option(names, value, help)->check(check)->type_name("SECONDS");
}

/// A string option that takes one of `choices`.
inline CLI::Option* add_choice(CLI::App* app, const std::string& names, std::string& value,
                               const std::vector<std::string>& choices, const std::string& help) {
  CLI::Validator check(
      [choices](std::string& text) -> std::string {
        for (const std::string& c : choices) {
          if (c == text) return {};
        }
        return fmt::format("expected one of {}; got '{}'", fmt::join(choices, ", "), text);
      },
      "", "choice");
  return app->add_option(names, value, help)
      ->check(check)
      ->type_name(fmt::format("{}", fmt::join(choices, "|")));
}

/// -w/--workload: a library spec or the path of an IR text file.
inline CLI::Option* add_workload_option(CLI::App* app, std::string& value) {
  return app
      ->add_option("-w,--workload", value,
                   "a library spec (gemm:m=512,n=512,k=512, C2D:1) or an IR text file")
      ->type_name("WORKLOAD");
}

/// -t/--target: what code is generated for (default this machine, `llvm -mcpu=native`).
inline CLI::Option* add_target_option(CLI::App* app, std::string& value) {
  return app
      ->add_option(
          "-t,--target", value,
          "'llvm [-mcpu=NAME] [-num-cores=N]' or 'c [-num-cores=N]' (default: this machine)")
      ->type_name("TARGET");
}

/// --plugin SO, repeatable: plugins loaded before the command runs.
inline CLI::Option* add_plugin_option(CLI::App* app, std::vector<std::string>& value) {
  return app->add_option("--plugin", value, "load a plugin (a shared library) first; repeatable")
      ->type_name("SO")
      ->allow_extra_args(false);
}

/// The help layout: "usage: tessera COMMAND [OPTIONS]", the description, the options and the
/// command's longer text (its footer).
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter() {
    label("Usage", "usage");
    label("SUBCOMMAND", "COMMAND");
    label("SUBCOMMANDS", "COMMANDS");
    column_width(34);
  }
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    return make_usage(app, name) + "\n" + make_description(app) + make_positionals(app) +
           make_groups(app, mode) + make_subcommands(app, mode) + "\n" + make_footer(app);
  }
};

/// Runs the command line: parses it, runs the chosen command and turns a parse error into
/// "tessera: error: ..." with exit status 1. Exit status 2 and the usage when no command is
/// given.
int run_command_line(CLI::App& root, std::vector<Command>& commands, int argc, char** argv,
                     const std::function<void()>& before_command);

}  // namespace tessera::cli
