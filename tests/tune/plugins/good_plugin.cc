// A test plugin that registers a rule, a postprocessor, a mutator and a space.
#include "tessera/tessera.h"

namespace {

using namespace tessera;

class SplitInnermostByTwo : public ScheduleRule {
 public:
  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* e = sch.state().find_block(block);
    if (e == nullptr || e->loops.empty()) return {sch};
    Schedule s = sch.copy();
    s.split(s.get_loops(s.get_block(block)).back(), {std::nullopt, 2});
    return {s};
  }
};

class RejectEverything : public Postproc {
 public:
  std::string name() const override { return "RejectEverything"; }
  bool apply(Schedule&, std::string& reason) override {
    reason = "this test postprocessor rejects every program";
    return false;
  }
};

class NeverMutates : public Mutator {
 public:
  std::optional<Trace> apply(const Trace&, Random&) override { return std::nullopt; }
};

void plugin_space(Schedule& sch) { sch.get_block("C"); }

}  // namespace

TESSERA_PLUGIN(registrar) {
  registrar.add<ScheduleRule, SplitInnermostByTwo>(
      "SplitInnermostByTwo", "test plugin: splits the innermost loop by 2", "");
  registrar.add<Postproc, RejectEverything>("RejectEverything",
                                            "test plugin: rejects every program", "");
  registrar.add<Mutator, NeverMutates>("NeverMutates", "test plugin: changes nothing", "");
  registrar.add_space("plugin_space", "test plugin: gets block C", plugin_space);
}
