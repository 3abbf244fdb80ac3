// Tests of the task schedulers (tune/task_scheduler.h, tune/task_selection.h): the gradient
// by hand, family keys, and each scheduler on a three-task problem with a fake builder and
// runner whose run times are a function of the program, so a seed gives the same rounds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "tessera/support/file_system.h"
#include "tessera/support/hash.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/task_scheduler.h"
#include "tessera/tune/task_selection.h"
#include "../common/error_of.h"
#include "../common/fake_builder.h"

namespace tessera {
namespace {

using testing_util::error_of;

using testing_util::FakeBuilder;

// A run time from the program's hash, scaled by the workload's FLOPs; every candidate of
// a workload whose spec starts with `failing` fails.
class FakeRunner : public Runner {
 public:
  explicit FakeRunner(std::string failing = "") : failing_(std::move(failing)) {}
  MeasureResult run(const Workload& workload, const BuildResult& built) override {
    MeasureResult r;
    if (!failing_.empty() && workload.spec.rfind(failing_, 0) == 0) {
      r.status = MeasureStatus::kCrash;
      r.reason = "the fake runner fails this workload";
      return r;
    }
    const double t = 1e-9 * static_cast<double>(workload.flops) *
                     static_cast<double>(hash_string(built.library_path) % 1000 + 1) / 100;
    r.status = MeasureStatus::kOk;
    r.seconds = {t, t, t};
    return r;
  }
  std::unique_ptr<Runner> fresh() const override { return std::make_unique<FakeRunner>(failing_); }

 private:
  std::string failing_;
};

std::vector<SchedulerTask> three_tasks() {
  return {
      {workloads::get("gemm:m=16,n=16,k=16"), 2, "gemm", "16x16", ""},
      {workloads::get("gemm:m=32,n=16,k=8"), 1, "gemm", "32x16", ""},
      {workloads::get("DEP:n=1,h=8,w=8,c=16,kernel=3,stride=1,pad=1"), 3, "DEP", "1x8x8x16",
       "depthwise"},
  };
}

// Random samples (the scheduler does not depend on the strategy; the evolutionary search
// would only make the tests slower under the sanitizers), except for the family scheduler,
// whose foresee rounds are the family model's picks.
SchedulerComponents quick_components(SchedulerKind kind = SchedulerKind::kGradient) {
  SchedulerComponents c;
  c.make_strategy = [kind] {
    if (kind != SchedulerKind::kFamily) return make_search_strategy("replay-trace");
    EvolutionarySearchOptions small;
    small.population_size = 16;
    small.init_min_unmeasured = 8;
    small.genetic_num_iters = 1;
    return make_evolutionary_search(small);
  };
  c.make_cost_model = [] { return make_cost_model("random"); };
  return c;
}

TaskSchedulerOptions options_for(SchedulerKind kind, int64_t trials) {
  TaskSchedulerOptions o;
  o.kind = kind;
  o.trials = trials;
  o.trials_per_round = 4;
  o.foresee_trials = 2;
  o.convergence_trials = 0;
  o.num_threads = 1;
  o.task_options.remeasure_top = 1;
  o.task_options.remeasure_rounds = 1;
  return o;
}

SchedulerSummary run_scheduler(const std::string& db_dir, SchedulerKind kind, int64_t trials,
                               const std::string& failing = "",
                               FamilyGrouping by = FamilyGrouping::kOperator) {
  Database db(db_dir);
  FakeBuilder builder;
  FakeRunner runner(failing);
  TaskSchedulerOptions o = options_for(kind, trials);
  o.family_by = by;
  TaskScheduler scheduler(three_tasks(), Target::parse("llvm -mcpu=znver5 -num-cores=1"), db,
                          builder, runner, quick_components(kind), o);
  return scheduler.run();
}

std::vector<int> task_order(const SchedulerSummary& s) {
  std::vector<int> order;
  for (const ScheduledRound& r : s.rounds) order.push_back(r.task);
  return order;
}

TEST(TaskGradients, FollowAnsorsFormula) {
  GradientOptions o;  // α = 0.2, β = 2, window 3
  std::vector<TaskHistory> tasks(4);
  tasks[0] = {2, 100, {10, 8, 7, 6}, -1};  // backward (6 − 10) / 3, forward 6 − 6/4 − 6
  tasks[1] = {1, 1000, {5, 5}, 0};         // similar to task 2: β·C/V = 2·1000/200 = 10 > 2.5
  tasks[2] = {1, 100, {1}, 0};             // forward min(1 − 1/1, 2·100/200) − 1 = −1
  tasks[3] = {1, 100, {}, -1};             // never measured
  std::vector<double> g = task_gradients(tasks, o);
  ASSERT_EQ(g.size(), 4u);
  EXPECT_NEAR(g[0], 2 * (0.2 * (-4.0 / 3) + 0.8 * (4.5 - 6)), 1e-12);
  EXPECT_NEAR(g[1], 0.8 * (2.5 - 5), 1e-12);
  EXPECT_NEAR(g[2], 0.8 * (0 - 1), 1e-12);
  EXPECT_TRUE(std::isinf(g[3]) && g[3] < 0);

  // The similar-task term binds when a sibling is much faster per FLOP: task 1 at 200
  // FLOP/s against task 2 at 1000 FLOP/s may reach 2·1000/1000 = 2 < 2.5.
  tasks[2].best_after_round = {0.1};
  g = task_gradients(tasks, o);
  EXPECT_NEAR(g[1], 0.8 * (2 - 5), 1e-12);

  o.backward_window = 0;
  EXPECT_TRUE(error_of([&] { task_gradients(tasks, o); }).find("backward window") !=
              std::string::npos);
}

TEST(TaskFamilies, ByOperatorAndByStructure) {
  const PrimFunc small = workloads::get("gemm:m=16,n=16,k=16").func;
  const PrimFunc large = workloads::get("gemm:m=64,n=32,k=8").func;
  const PrimFunc chain = workloads::get("elementwise:m=64,n=64").func;
  EXPECT_EQ(family_key(small, "gemm", FamilyGrouping::kOperator), "gemm/float32");
  EXPECT_EQ(family_key(chain, "", FamilyGrouping::kOperator), "elementwise/float32");
  EXPECT_EQ(family_key(small, "gemm", FamilyGrouping::kStructure),
            family_key(large, "gemm", FamilyGrouping::kStructure));
  EXPECT_NE(family_key(small, "gemm", FamilyGrouping::kStructure),
            family_key(chain, "", FamilyGrouping::kStructure));
  EXPECT_NE(family_key(small, "gemm", FamilyGrouping::kStructure),
            family_key(workloads::get("gemm:m=16,n=16,k=16,epilogue=bias_relu").func, "gemm",
                       FamilyGrouping::kStructure));
  EXPECT_EQ(structure_groups({small, chain, large}), (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(parse_family_grouping("hash"), FamilyGrouping::kStructure);
  EXPECT_TRUE(error_of([] { parse_family_grouping("shape"); }).find("op (anchor") !=
              std::string::npos);
  EXPECT_TRUE(error_of([] { parse_scheduler_kind("greedy"); }).find("round-robin, gradient") !=
              std::string::npos);
}

TEST(TaskScheduler, RoundRobinTakesEveryTaskInTurnAndIsDeterministic) {
  TemporaryDirectory dir("scheduler");
  SchedulerSummary s = run_scheduler(dir.path() + "/a", SchedulerKind::kRoundRobin, 36);
  EXPECT_EQ(task_order(s), (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(s.rounds[0].reason, "warm-up");
  EXPECT_EQ(s.rounds[3].reason, "round-robin");
  EXPECT_EQ(s.total_trials, 36);
  for (const TaskReport& t : s.tasks) {
    EXPECT_EQ(t.trials_run, 12);
    EXPECT_TRUE(std::isfinite(t.best_seconds));
  }
  SchedulerSummary again = run_scheduler(dir.path() + "/b", SchedulerKind::kRoundRobin, 36);
  for (size_t i = 0; i < s.tasks.size(); ++i)
    EXPECT_EQ(s.tasks[i].best_seconds, again.tasks[i].best_seconds);
  EXPECT_NE(s.to_text().find("round-robin 6 rounds, 24 trials"), std::string::npos) << s.to_text();
}

TEST(TaskScheduler, GradientGivesEachRoundToTheMostNegativeGradient) {
  TemporaryDirectory dir("scheduler");
  SchedulerSummary s = run_scheduler(dir.path() + "/a", SchedulerKind::kGradient, 60);
  ASSERT_EQ(s.rounds.size(), 15u);
  EXPECT_EQ(task_order(s).at(0), 0);
  EXPECT_EQ(task_order(s).at(1), 1);
  EXPECT_EQ(task_order(s).at(2), 2);
  // Replays the formula on the logged rounds: each round after the warm-up went to a task
  // with the lowest gradient given the histories before it.
  std::vector<SchedulerTask> tasks = three_tasks();
  std::vector<PrimFunc> funcs;
  for (const SchedulerTask& t : tasks) funcs.push_back(t.workload.func);
  const std::vector<int> groups = structure_groups(funcs);
  std::vector<TaskHistory> histories(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i)
    histories[i] = {static_cast<double>(tasks[i].weight),
                    static_cast<double>(tasks[i].workload.flops),
                    {},
                    groups[i]};
  std::set<int> chosen;  // by the gradient: not always the same task
  for (const ScheduledRound& r : s.rounds) {
    if (r.reason == "gradient") {
      chosen.insert(r.task);
      const std::vector<double> g = task_gradients(histories, GradientOptions{});
      const double lowest = *std::min_element(g.begin(), g.end());
      EXPECT_EQ(g[static_cast<size_t>(r.task)], lowest) << "round " << r.index;
    } else {
      EXPECT_EQ(r.reason, "warm-up");
    }
    histories[static_cast<size_t>(r.task)].best_after_round.push_back(r.task_best_seconds);
  }
  EXPECT_GE(chosen.size(), 2u);
  EXPECT_EQ(task_order(run_scheduler(dir.path() + "/b", SchedulerKind::kGradient, 60)),
            task_order(s));
}

TEST(TaskScheduler, FamilyForeseeRoundsMeasureOnlyTheirSmallBatch) {
  TemporaryDirectory dir("scheduler");
  SchedulerSummary s = run_scheduler(dir.path() + "/a", SchedulerKind::kFamily, 48);
  EXPECT_EQ(s.tasks[0].family, "gemm/float32");
  EXPECT_EQ(s.tasks[1].family, "gemm/float32");
  EXPECT_EQ(s.tasks[2].family, "DEP/float32");
  int foresee = 0;
  for (size_t i = 0; i < s.rounds.size(); ++i) {
    const ScheduledRound& r = s.rounds[i];
    if (r.reason != "foresee") continue;
    ++foresee;
    EXPECT_EQ(r.trials, 2) << "round " << i;
    EXPECT_NE(r.task, 2) << "the depthwise task has no sibling";
    // It follows a round of its sibling that improved the sibling's best.
    ASSERT_GT(i, 0u);
    const ScheduledRound& cause = s.rounds[i - 1];
    EXPECT_EQ(cause.task, 1 - r.task);
    EXPECT_NE(cause.reason, "foresee");
  }
  EXPECT_GT(foresee, 0);
  // The warm-up of task 0 improved it, so task 1 started with a foresee round instead of
  // a full warm-up.
  EXPECT_EQ(s.rounds.at(1).reason, "foresee");
  EXPECT_EQ(s.rounds.at(1).task, 1);
  EXPECT_EQ(s.tasks[0].foresee_rounds + s.tasks[1].foresee_rounds, foresee);
  EXPECT_EQ(s.tasks[2].foresee_rounds, 0);

  SchedulerSummary by_hash =
      run_scheduler(dir.path() + "/b", SchedulerKind::kFamily, 16, "", FamilyGrouping::kStructure);
  EXPECT_EQ(by_hash.tasks[0].family, by_hash.tasks[1].family);
  EXPECT_NE(by_hash.tasks[0].family, by_hash.tasks[2].family);
  EXPECT_EQ(by_hash.tasks[0].family.rfind("structure:", 0), 0u);
}

TEST(TaskScheduler, AFailingTaskIsReportedAndTheOthersGoOn) {
  TemporaryDirectory dir("scheduler");
  SchedulerSummary s =
      run_scheduler(dir.path() + "/a", SchedulerKind::kGradient, 40, "gemm:m=32,n=16,k=8");
  EXPECT_EQ(s.tasks[1].state, "failed");
  EXPECT_NE(s.tasks[1].failure.find("the fake runner fails this workload"), std::string::npos)
      << s.tasks[1].failure;
  EXPECT_EQ(s.tasks[1].trials_run, 4);  // its one round, recorded
  EXPECT_TRUE(std::isfinite(s.tasks[0].best_seconds));
  EXPECT_TRUE(std::isfinite(s.tasks[2].best_seconds));
  EXPECT_EQ(s.total_trials, 40);
  EXPECT_NE(s.table().find("failed: round 1 of tuning gemm:m=32,n=16,k=8"), std::string::npos)
      << s.table();
}

TEST(TaskScheduler, AResumedRunCountsTheDatabaseAndNeverMeasuresTwice) {
  TemporaryDirectory dir("scheduler");
  const std::string db_dir = dir.path() + "/db";
  run_scheduler(db_dir, SchedulerKind::kGradient, 24);
  SchedulerSummary s = run_scheduler(db_dir, SchedulerKind::kGradient, 48);
  int64_t before = 0, run = 0;
  for (const TaskReport& t : s.tasks) {
    before += t.trials_before;
    run += t.trials_run;
    EXPECT_GT(t.trials_before, 0);
  }
  EXPECT_EQ(before, 24);
  EXPECT_EQ(run, 24);
  for (const ScheduledRound& r : s.rounds) EXPECT_EQ(r.reason, "gradient");  // warmed before
  Database db(db_dir);
  std::set<std::pair<std::string, std::string>> seen;
  for (const TuningRecord& r : db.records()) {
    if (r.remeasured) continue;
    EXPECT_TRUE(seen.insert({r.workload, r.program}).second) << r.program;
  }
}

TEST(TaskScheduler, ConvergedTasksStopAndTheRunEndsWhenNoneIsLeft) {
  TemporaryDirectory dir("scheduler");
  Database db(dir.path());
  FakeBuilder builder;
  FakeRunner runner;
  TaskSchedulerOptions o = options_for(SchedulerKind::kRoundRobin, 100000);
  o.convergence_trials = 8;
  o.convergence_improvement = 0.999;  // nothing after the first measurement counts as better
  TaskScheduler scheduler(three_tasks(), Target::parse("llvm -mcpu=znver5 -num-cores=1"), db,
                          builder, runner, quick_components(), o);
  SchedulerSummary s = scheduler.run();
  for (const TaskReport& t : s.tasks) {
    EXPECT_EQ(t.state, "converged");
    EXPECT_EQ(t.trials_run, 12);  // the warm-up sets the reference; 8 more without gain
  }
  EXPECT_EQ(s.stop_reason, "every task converged, failed or ran out of programs");
}

TEST(TaskScheduler, OptionErrors) {
  TemporaryDirectory dir("scheduler");
  Database db(dir.path());
  FakeBuilder builder;
  FakeRunner runner;
  const Target target = Target::parse("llvm -mcpu=znver5 -num-cores=1");
  auto error_with = [&](TaskSchedulerOptions o, std::vector<SchedulerTask> tasks = three_tasks()) {
    return error_of(
        [&] { TaskScheduler(tasks, target, db, builder, runner, quick_components(), o); });
  };
  TaskSchedulerOptions o = options_for(SchedulerKind::kGradient, 8);
  EXPECT_NE(error_with(o, {}).find("no tasks"), std::string::npos);
  o.foresee_trials = 0;
  EXPECT_NE(error_with(o).find("foresee round measures at least 1"), std::string::npos);
  o = options_for(SchedulerKind::kGradient, 8);
  o.gradient.alpha = 2;
  EXPECT_NE(error_with(o).find("alpha must be in [0, 1]"), std::string::npos);
}

}  // namespace
}  // namespace tessera
