#include "cli.h"

#include <cstdio>
#include <regex>
#include <sstream>

namespace tessera::cli {
namespace {

std::string command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return fmt::format("{}", fmt::join(names, ", "));
}

// The full name of a (sub)command: "tessera db best".
std::string full_name(const CLI::App* app) {
  std::string name = app->get_name();
  for (const CLI::App* parent = app->get_parent(); parent != nullptr;
       parent = parent->get_parent()) {
    name = parent->get_name() + " " + name;
  }
  return name;
}

// A word where a command is expected that names none: CLI11 would call it an unexpected
// argument; users are better served by the list of commands.
void check_command_words(const CLI::App& root, int argc, char** argv) {
  const CLI::App* app = &root;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (app->get_subcommands({}).empty() || word.empty() || word[0] == '-') return;
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : app->get_subcommands({})) {
      if (sub->get_name() == word) next = sub;
    }
    if (next == nullptr) {
      const std::string what = app == &root ? "command" : app->get_name() + " command";
      throw CLI::ParseError(fmt::format("unknown {} '{}' (commands: {}; see {} --help)", what, word,
                                        command_names(*app), full_name(app)),
                            CLI::ExitCodes::ExtrasError);
    }
    app = next;
  }
}

// CLI11's message, said as a user reads it: which option, what was wrong.
std::string explain(const CLI::ParseError& e) {
  const std::string what = e.what();
  static const std::regex repeated(R"(^(\S+): At Most 1 required but received (\d+)$)");
  static const std::regex extras(R"(^The following arguments? (?:was|were) not expected: (.*)$)");
  std::smatch m;
  if (std::regex_match(what, m, repeated))
    return fmt::format("{} is given more than once; it takes one value", m[1].str());
  if (std::regex_match(what, m, extras)) {
    // CLI11 lists them last first.
    std::vector<std::string> words;
    std::istringstream in(m[1].str());
    for (std::string word; in >> word;) words.insert(words.begin(), word);
    return fmt::format("unexpected argument{} '{}'", words.size() > 1 ? "s" : "",
                       fmt::join(words, " "));
  }
  return what;
}

}  // namespace

int run_command_line(CLI::App& root, std::vector<Command>& commands, int argc, char** argv,
                     const std::function<void()>& before_command) {
  if (argc < 2) {
    std::fputs(root.help().c_str(), stdout);
    return 2;
  }
  const CLI::App* chosen = nullptr;
  try {
    check_command_words(root, argc, argv);
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(root.help().c_str(), stdout);  // the help of the command that was asked about
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(root.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::fputs(e.what(), stdout);
    std::fputs("\n", stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string where;
    for (const CLI::App* app = &root; app != nullptr;) {
      const std::vector<CLI::App*> subs = app->get_subcommands();
      if (subs.empty()) break;
      app = subs[0];
      where = full_name(app);
    }
    std::fprintf(stderr, "tessera: error: %s%s\n", explain(e).c_str(),
                 where.empty() ? "" : fmt::format(" (see {} --help)", where).c_str());
    return 1;
  }
  for (Command& c : commands) {
    if (c.app->parsed()) chosen = c.app;
  }
  for (Command& c : commands) {
    if (c.app != chosen) continue;
    before_command();
    return c.run();
  }
  std::fputs(root.help().c_str(), stdout);
  return 2;
}

}  // namespace tessera::cli
