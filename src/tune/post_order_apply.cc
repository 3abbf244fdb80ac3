// PostOrderApply: the schedule rules on every block, consumers before producers, each
// rule on every sketch made so far (a branching rule multiplies them).
#include <algorithm>

#include "tessera/ir/visitor.h"
#include "tessera/ir/annotation_keys.h"
#include "tessera/support/error.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

// Block names in program order (the root block excluded).
std::vector<std::string> block_names(const PrimFunc& func) {
  struct Collect : IRVisitor {
    std::vector<std::string> names;
    int depth = 0;
    void visit_block(const BlockNode* op) override {
      if (depth++ > 0) names.push_back(op->name);
      IRVisitor::visit_block(op);
      --depth;
    }
  } collect;
  collect.visit_stmt(func->body);
  return collect.names;
}

// The rule a block's annotation asks for, "" when none.
std::string custom_rule(const Schedule& sch, const std::string& block) {
  Schedule probe = sch.copy();
  const BlockNode* b = probe.get(probe.get_block(block));
  auto it = b->annotations.find(std::string(annotation_key::kScheduleRule));
  if (it == b->annotations.end()) return "";
  if (!std::holds_alternative<std::string>(it->second))
    fail("block '{}': annotation '{}' must name a rule", block, annotation_key::kScheduleRule);
  return std::get<std::string>(it->second);
}

bool has_block(const Schedule& sch, const std::string& name) {
  for (const std::string& n : block_names(sch.func())) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

std::vector<Schedule> PostOrderApply::generate(const TuneContext& ctx) {
  std::vector<std::shared_ptr<ScheduleRule>> rules =
      rules_.empty() ? default_schedule_rules(ctx.target) : rules_;
  for (const auto& rule : rules) rule->initialize(ctx);
  std::vector<Schedule> sketches{Schedule(ctx.workload.func, ctx.seed, /*traced=*/true)};
  std::vector<std::string> order = block_names(ctx.workload.func);
  std::reverse(order.begin(), order.end());
  for (const std::string& block : order) {
    // A rule named by the block's annotation replaces the list for that block.
    std::vector<std::shared_ptr<ScheduleRule>> block_rules = rules;
    if (std::string custom = custom_rule(sketches.front(), block); !custom.empty()) {
      block_rules.clear();
      if (custom != "None") block_rules.push_back(make_component<ScheduleRule>(custom));
      for (const auto& rule : block_rules) rule->initialize(ctx);
    }
    for (const auto& rule : block_rules) {
      std::vector<Schedule> next;
      for (const Schedule& sch : sketches) {
        // An earlier rule may have removed the block (inlined it, say).
        if (!has_block(sch, block)) {
          next.push_back(sch);
          continue;
        }
        for (Schedule& s : rule->apply(sch, block)) next.push_back(std::move(s));
      }
      sketches = std::move(next);
    }
  }
  return sketches;
}

TESSERA_REGISTER_COMPONENT(SpaceGenerator, PostOrderApply,
                           "the schedule rules on every block, consumers before producers",
                           "rules=[...] (default: the target's rule list, see defaults.h)");

}  // namespace tessera
