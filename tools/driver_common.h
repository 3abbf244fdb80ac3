// What the `tessera` commands share: reading and writing files and traces,
// loading plugins and choosing a task's design space from --space/--rules.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/schedule/trace.h"
#include "tessera/support/error.h"
#include "tessera/support/target.h"
#include "tessera/tune/database.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/plugin.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

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

inline void load_plugins(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) load_plugin(path);
}

/// --space rules|NAME and --rules R1,R2: the task's space generator; then the target's
/// default postprocessors and mutators (fill_defaults).
inline void configure_space(TuneContext& ctx, const std::string& space,
                            const std::optional<std::string>& rule_list) {
  if (space != "rules") {
    if (rule_list) fail("--rules applies to --space rules, not to the space '{}'", space);
    ctx.space_generator = std::make_shared<ScheduleFnSpace>(space);
  } else if (rule_list) {
    std::vector<std::shared_ptr<ScheduleRule>> rules;
    std::stringstream list(*rule_list);
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
inline std::vector<RankedProgram> top_k_or_fail(const Database& db, const std::string& workload,
                                                const std::string& spec, const std::string& target,
                                                size_t k) {
  std::vector<RankedProgram> ranked = db.top_k(workload, target, k);
  if (!ranked.empty()) return ranked;
  std::string targets;
  for (const TuningRecord& r : db.records()) {
    if (r.workload == workload && r.ok() && targets.find("'" + r.target + "'") == std::string::npos)
      targets += " '" + r.target + "'";
  }
  fail("the tuning database {} has no successful record of {} for target '{}'{}", db.directory(),
       spec, target,
       targets.empty() ? fmt::format(" (`tessera db list --db {}` lists its tasks)", db.directory())
                       : "; it has some for" + targets + " (give it with -t)");
}

/// The target option's value, parsed and made canonical (empty: this machine).
inline Target target_from(const std::string& text) {
  return (text.empty() ? Target{} : Target::parse(text)).canonical();
}

}  // namespace tessera
