// Tests of the tune layer's space generation: the component registry, PostOrderApply
// (order, branching, blocks removed by earlier rules, per-block custom rules),
// ScheduleFn and Union spaces.
#include <gtest/gtest.h>

#include <algorithm>

#include "../common/error_of.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/annotation_keys.h"
#include "tessera/tune/builtin_mutators.h"
#include "tessera/tune/builtin_rules.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

std::vector<std::string>& visits() {
  static std::vector<std::string> v;
  return v;
}

// Records the blocks it sees; branches into the schedule as is and with the block's
// first loop split by 2.
class SplitOrNot : public ScheduleRule {
 public:
  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    visits().push_back("SplitOrNot:" + block);
    Schedule split = sch.copy();
    BlockRV b = split.get_block(block);
    split.split(split.get_loops(b)[0], {std::nullopt, 2});
    return {sch, split};
  }
};
TESSERA_REGISTER_COMPONENT(ScheduleRule, SplitOrNot, "test: splits or not", "");

// Inlines the block when it can (the padding of a convolution), else leaves it.
class InlineIfPossible : public ScheduleRule {
 public:
  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    visits().push_back("InlineIfPossible:" + block);
    Schedule s = sch.copy();
    try {
      s.compute_inline(s.get_block(block));
    } catch (const Error&) {
      return {sch};
    }
    return {s};
  }
};
TESSERA_REGISTER_COMPONENT(ScheduleRule, InlineIfPossible, "test: inlines", "");

TEST(Registry, BuiltInEntriesAndClearErrors) {
  const ComponentEntry& post_order =
      find_component(ComponentKind::kSpaceGenerator, "PostOrderApply");
  EXPECT_EQ(post_order.origin, "built in");
  EXPECT_NE(make_component<SpaceGenerator>("PostOrderApply"), nullptr);
  EXPECT_EQ(find_component(ComponentKind::kSpaceGenerator, "ScheduleFn").parameters,
            "space=NAME (required)");
  std::string unknown = testing_util::error_of(
      [] { find_component(ComponentKind::kScheduleRule, "MultiLevelTilling"); });
  EXPECT_TRUE(has(unknown, "no schedule rule named 'MultiLevelTilling' (registered: ")) << unknown;
  EXPECT_TRUE(has(unknown, "SplitOrNot")) << unknown;
  {
    RegistrationOrigin from("/tmp/my_plugin.so");
    std::string twice = testing_util::error_of([] {
      register_component({ComponentKind::kScheduleRule, "SplitOrNot", "again", "", "",
                          [] { return std::shared_ptr<void>(); }});
    });
    EXPECT_EQ(
        twice,
        "schedule rule 'SplitOrNot' is registered twice: by built in and by /tmp/my_plugin.so");
    register_component({ComponentKind::kMutator, "FromAPlugin", "test", "", "",
                        [] { return std::shared_ptr<void>(); }});
  }
  EXPECT_EQ(find_component(ComponentKind::kMutator, "FromAPlugin").origin, "/tmp/my_plugin.so");
  std::vector<const ComponentEntry*> rules = registered_components(ComponentKind::kScheduleRule);
  EXPECT_TRUE(std::is_sorted(rules.begin(), rules.end(),
                             [](auto* a, auto* b) { return a->name < b->name; }));
}

TEST(Registry, ParametersComeFromTheOptionsStructs) {
  EXPECT_EQ(
      find_component(ComponentKind::kScheduleRule, "MultiLevelTiling").parameters,
      "structure=SSRSRS, max_innermost_factor=64, write_cache=true, write_cache_levels=[1, 2]");
  EXPECT_EQ(find_component(ComponentKind::kScheduleRule, "AutoInline").parameters,
            parameter_text<AutoInlineOptions>());
  EXPECT_EQ(find_component(ComponentKind::kMutator, "MutateParallel").parameters,
            "max_jobs_per_core=16");
  // Other values print as the struct holds them.
  MultiLevelTilingOptions tiling;
  tiling.structure = "SSRSRSS";
  tiling.write_cache = false;
  tiling.write_cache_levels = {};
  EXPECT_EQ(parameter_text(tiling),
            "structure=SSRSRSS, max_innermost_factor=64, write_cache=false, write_cache_levels=[]");
}

TEST(PostOrderApply, ConsumersBeforeProducersAndBranchesMultiply) {
  visits().clear();
  TuneContext ctx(workloads::get("C2D:n=1,h=6,w=6,ci=2,co=2,kernel=3,stride=1,pad=1"),
                  Target::parse("llvm"));
  ctx.space_generator = std::make_shared<PostOrderApply>(
      std::vector<std::shared_ptr<ScheduleRule>>{std::make_shared<SplitOrNot>()});
  std::vector<Schedule> sketches = ctx.generate_design_space();
  ASSERT_EQ(sketches.size(), 4u);  // 2 blocks, 2 branches each
  ASSERT_GE(visits().size(), 2u);
  EXPECT_EQ(visits()[0], "SplitOrNot:conv");
  EXPECT_EQ(visits().back(), "SplitOrNot:pad");
  // The last sketch split both blocks; its trace replays to the same program.
  std::string cpp = sketches.back().trace()->as_cpp();
  EXPECT_TRUE(has(cpp, "sch.get_block(\"conv\")")) << cpp;
  EXPECT_TRUE(has(cpp, "sch.get_block(\"pad\")")) << cpp;
}

TEST(PostOrderApply, ABlockAnEarlierRuleRemovedIsSkipped) {
  visits().clear();
  TuneContext ctx(workloads::get("C2D:n=1,h=6,w=6,ci=2,co=2,kernel=3,stride=1,pad=1"),
                  Target::parse("llvm"));
  ctx.space_generator = std::make_shared<PostOrderApply>(std::vector<std::shared_ptr<ScheduleRule>>{
      std::make_shared<InlineIfPossible>(), std::make_shared<SplitOrNot>()});
  std::vector<Schedule> sketches = ctx.generate_design_space();
  // conv: not inlinable, split or not (2); pad: inlined in both, so SplitOrNot skips it.
  EXPECT_EQ(sketches.size(), 2u);
  EXPECT_EQ(std::count(visits().begin(), visits().end(), "SplitOrNot:pad"), 0);
  for (const Schedule& s : sketches)
    EXPECT_FALSE(has(print(s.func()), "block pad")) << print(s.func());
}

TEST(PostOrderApply, ABlockAnnotationNamesItsOwnRule) {
  Workload w = workloads::get("C2D:n=1,h=6,w=6,ci=2,co=2,kernel=3,stride=1,pad=1");
  Schedule annotate(w.func);
  annotate.annotate(annotate.get_block("pad"), annotation_key::kScheduleRule, std::string("None"));
  annotate.annotate(annotate.get_block("conv"), annotation_key::kScheduleRule,
                    std::string("InlineIfPossible"));
  w.func = annotate.func();
  visits().clear();
  TuneContext ctx(w, Target::parse("llvm"));
  ctx.space_generator = std::make_shared<PostOrderApply>(
      std::vector<std::shared_ptr<ScheduleRule>>{std::make_shared<SplitOrNot>()});
  EXPECT_EQ(ctx.generate_design_space().size(), 1u);
  EXPECT_EQ(visits(), std::vector<std::string>{"InlineIfPossible:conv"});

  annotate.annotate(annotate.get_block("pad"), annotation_key::kScheduleRule,
                    std::string("NoSuchRule"));
  w.func = annotate.func();
  TuneContext bad(w, Target::parse("llvm"));
  bad.space_generator = ctx.space_generator;
  EXPECT_TRUE(has(testing_util::error_of([&] { bad.generate_design_space(); }),
                  "no schedule rule named 'NoSuchRule'"));
}

TEST(SpaceGenerators, ScheduleFnAndUnion) {
  TuneContext ctx(workloads::get("gemm:m=64,n=64,k=64"), Target::parse("llvm"));
  auto manual = std::make_shared<ScheduleFnSpace>("gemm_manual");
  ctx.space_generator = manual;
  std::vector<Schedule> one = ctx.generate_design_space();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(has(one[0].trace()->as_cpp(), "sch.cache_read(")) << one[0].trace()->as_cpp();
  ctx.space_generator = std::make_shared<UnionSpace>(std::vector<std::shared_ptr<SpaceGenerator>>{
      manual, std::make_shared<PostOrderApply>(
                  std::vector<std::shared_ptr<ScheduleRule>>{std::make_shared<SplitOrNot>()})});
  EXPECT_EQ(ctx.generate_design_space().size(), 3u);
  ctx.space_generator = std::make_shared<ScheduleFnSpace>("gemm_by_hand");
  EXPECT_TRUE(has(testing_util::error_of([&] { ctx.generate_design_space(); }),
                  "no space named 'gemm_by_hand'"));
  ctx.space_generator = std::make_shared<ScheduleFnSpace>();
  EXPECT_TRUE(has(testing_util::error_of([&] { ctx.generate_design_space(); }),
                  "ScheduleFn for '" + ctx.workload.spec + "': no space name given"));
  ctx.space_generator = std::make_shared<UnionSpace>();
  EXPECT_TRUE(has(testing_util::error_of([&] { ctx.generate_design_space(); }),
                  "Union for '" + ctx.workload.spec + "': no spaces to unite"));
  // Without rules, PostOrderApply takes the target's default list.
  ctx.space_generator = std::make_shared<PostOrderApply>();
  EXPECT_EQ(ctx.generate_design_space().size(), 3u);
  ctx.space_generator = nullptr;
  EXPECT_TRUE(has(testing_util::error_of([&] { ctx.generate_design_space(); }),
                  "no space generator is set"));
}

}  // namespace
}  // namespace tessera
