// What every `tessera` subcommand shares: option parsing, reading files and traces,
// loading plugins and choosing a task's design space from --space/--rules.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/schedule/trace.h"
#include "tessera/support/error.h"
#include "tessera/tune/database.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/plugin.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

/// Minimal option parsing: --name value pairs and flags; unknown options are errors.
class Options {
 public:
  Options(int argc, char** argv, int first, const std::map<std::string, bool>& known) {
    for (int i = first; i < argc; ++i) {
      std::string arg = argv[i];
      std::string key = arg;
      if (key.rfind("--", 0) != 0 && !(key.size() == 2 && key[0] == '-')) fail("unexpected argument '{}'", arg);
      if (key == "-w") key = "--workload";
      if (key == "-t") key = "--target";
      auto it = known.find(key);
      if (it == known.end()) fail("unknown option '{}'", arg);
      if (it->second) {
        if (i + 1 >= argc) fail("option {} needs a value", arg);
        values_[key] = argv[++i];
        all_[key].push_back(values_[key]);
      } else {
        values_[key] = "";
      }
    }
  }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::string get(const std::string& key, const char* what) const {
    auto it = values_.find(key);
    if (it == values_.end()) fail("missing {} ({})", key, what);
    return it->second;
  }
  /// Every value of an option that may repeat (--plugin A --plugin B).
  std::vector<std::string> all(const std::string& key) const {
    auto it = all_.find(key);
    return it == all_.end() ? std::vector<std::string>{} : it->second;
  }

 private:
  std::map<std::string, std::string> values_;
  std::map<std::string, std::vector<std::string>> all_;
};

// A non-negative integer option value (at least `min`); anything else is an error naming the option.
inline int64_t parse_count(const std::string& text, const char* option, int64_t min) {
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < min) fail("{} takes an integer of at least {}, got '{}'", option, min, text);
  return value;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read '{}'", path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) fail("cannot write {}", path);
}

inline Trace load_trace(const std::string& path) {
  try {
    return Trace::from_json_string(read_file(path));
  } catch (Error& e) {
    throw e.add_context(fmt::format("while reading trace {}", path));
  }
}

inline void load_plugins(const Options& opts) {
  for (const std::string& path : opts.all("--plugin")) load_plugin(path);
}

/// --space rules|NAME and --rules R1,R2: the task's space generator; then the target's
/// default postprocessors and mutators (fill_defaults).
inline void configure_space(TuneContext& ctx, const Options& opts) {
  const std::string space = opts.has("--space") ? opts.get("--space", "--space rules|NAME") : "rules";
  if (space != "rules") {
    if (opts.has("--rules")) fail("--rules applies to --space rules, not to the space '{}'", space);
    ctx.space_generator = std::make_shared<ScheduleFnSpace>(space);
  } else if (opts.has("--rules")) {
    std::vector<std::shared_ptr<ScheduleRule>> rules;
    std::stringstream list(opts.get("--rules", "--rules R1,R2,..."));
    for (std::string name; std::getline(list, name, ',');) {
      if (!name.empty()) rules.push_back(make_component<ScheduleRule>(name));
    }
    if (rules.empty()) fail("--rules names no rule");
    ctx.space_generator = std::make_shared<PostOrderApply>(std::move(rules));
  }
  fill_defaults(ctx);
}

/// The k fastest programs of a workload on a target in the database; an Error naming the
/// targets that do have successful records of it when there are none.
inline std::vector<RankedProgram> top_k_or_fail(const Database& db, const std::string& workload, const std::string& spec,
                                                const std::string& target, size_t k) {
  std::vector<RankedProgram> ranked = db.top_k(workload, target, k);
  if (!ranked.empty()) return ranked;
  std::string targets;
  for (const TuningRecord& r : db.records()) {
    if (r.workload == workload && r.ok() && targets.find("'" + r.target + "'") == std::string::npos) targets += " '" + r.target + "'";
  }
  fail("the tuning database {} has no successful record of {} for target '{}'{}", db.directory(), spec, target,
       targets.empty() ? fmt::format(" (`tessera db list --db {}` lists its tasks)", db.directory())
                       : "; it has some for" + targets + " (give it with -t)");
}

/// The tuning commands (tune_commands.cc).
int cmd_tune(int argc, char** argv);
int cmd_db(int argc, char** argv);
/// `tessera costmodel` (costmodel_command.cc).
int cmd_costmodel(int argc, char** argv);

}  // namespace tessera
