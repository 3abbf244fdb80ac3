// Tests of the search strategies and the tuning loop (tune/search_strategy.h,
// tune/tuner.h). A fake builder and runner make runs deterministic (the run time is a
// function of the program), so a fixed seed must give the same trials twice; an
// end-to-end run builds and measures real kernels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/codegen/reference_runner.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/correctness_check.h"
#include "tessera/support/error.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/support/hash.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/mlp_cost_model.h"
#include "tessera/tune/space_generator.h"
#include "tessera/tune/task_tuner.h"
#include "tessera/tune/tuner.h"
#include "../common/error_of.h"
#include "../common/fake_builder.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

// The strategy under test; EvolutionarySearch with a small population, so that the tests
// stay quick under the sanitizers (the defaults are exercised by `tessera tune`).
std::shared_ptr<SearchStrategy> strategy_named(const std::string& name) {
  if (name != "EvolutionarySearch") return make_component<SearchStrategy>(name);
  EvolutionarySearchOptions small;
  small.population_size = 48;
  small.init_min_unmeasured = 16;
  small.genetic_num_iters = 2;
  return make_evolutionary_search(small);
}

using testing_util::FakeBuilder;

// A run time made up from the program's hash; or every candidate fails.
class FakeRunner : public Runner {
 public:
  explicit FakeRunner(MeasureStatus status = MeasureStatus::kOk, bool fresh = false)
      : status_(status), fresh_(fresh) {}
  MeasureResult run(const Workload&, const BuildResult& built) override {
    ++runs;
    MeasureResult r;
    r.status = status_;
    if (status_ != MeasureStatus::kOk) {
      r.reason = "the fake runner fails everything";
      return r;
    }
    const double t = 1e-6 * static_cast<double>(hash_string(built.library_path) % 1000 + 1);
    // Trials: three repeats of t. A fresh worker (the re-measurement) orders the programs
    // the other way round, as a noisy machine may: pooling its runs with the trials' would
    // then rank the finalists in the opposite order of the re-measurement.
    if (fresh_)
      r.seconds = {0.65e-3 - t / 2};
    else
      r.seconds = {t, t, t};
    return r;
  }
  std::unique_ptr<Runner> fresh() const override {
    return std::make_unique<FakeRunner>(status_, /*fresh=*/true);
  }
  int runs = 0;

 private:
  MeasureStatus status_;
  bool fresh_;
};

// Scores nothing: a broken cost model.
class NoScores : public RandomModel {
 public:
  std::vector<double> predict(const TuneContext&, const std::vector<PrimFunc>&) override {
    return {};
  }
};

// A space generator with no sketches.
class EmptySpace : public SpaceGenerator {
 public:
  std::vector<Schedule> generate(const TuneContext&) override { return {}; }
};

// Rejects every program.
class RejectEverything : public Postproc {
 public:
  std::string name() const override { return "RejectEverything"; }
  bool apply(Schedule&, std::string& reason) override {
    reason = "never valid";
    return false;
  }
};

class TunerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "tessera_tuner_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TuneContext context(const std::string& spec, const std::string& space = "rules",
                      uint64_t seed = 7) {
    TuneContext ctx(workloads::get(spec), Target::parse("llvm -mcpu=skylake-avx512 -num-cores=2"));
    if (space != "rules") ctx.space_generator = std::make_shared<ScheduleFnSpace>(space);
    fill_defaults(ctx);
    ctx.seed = seed;
    ctx.num_threads = 2;
    return ctx;
  }

  // Programs of the task's records, in order (the re-measurement's excluded).
  static std::vector<std::string> programs_of(const Database& db) {
    std::vector<std::string> out;
    for (const TuningRecord& r : db.records()) {
      if (!r.remeasured) out.push_back(r.program);
    }
    return out;
  }

  std::vector<std::string> run_fake(const std::string& strategy_name, const std::string& db_dir,
                                    const std::string& spec, const std::string& space,
                                    int64_t trials, TuneSummary* summary_out = nullptr,
                                    std::shared_ptr<CostModel> model = nullptr) {
    TuneContext ctx = context(spec, space);
    Database db(db_dir);
    std::shared_ptr<SearchStrategy> strategy = strategy_named(strategy_name);
    if (model == nullptr) model = make_component<CostModel>("Random");
    FakeBuilder builder;
    FakeRunner runner;
    TuneOptions options;
    options.trials = trials;
    options.trials_per_round = 8;
    TuneSummary summary = tune(ctx, db, *strategy, *model, builder, runner, options);
    if (summary_out) *summary_out = summary;
    return programs_of(db);
  }

  std::string dir_;
};

TEST_F(TunerTest, EachStrategyIsDeterministicForASeedAndNeverMeasuresTwice) {
  struct Case {
    const char* strategy;
    const char* space;
  };
  for (Case c : {Case{"ReplayTrace", "rules"}, Case{"EvolutionarySearch", "rules"},
                 Case{"ReplayFunc", "gemm_template"}}) {
    SCOPED_TRACE(c.strategy);
    TuneSummary summary;
    std::vector<std::string> first = run_fake(c.strategy, dir_ + "/" + c.strategy + "_1",
                                              "gemm:m=32,n=32,k=64", c.space, 24, &summary);
    std::vector<std::string> second =
        run_fake(c.strategy, dir_ + "/" + c.strategy + "_2", "gemm:m=32,n=32,k=64", c.space, 24);
    EXPECT_EQ(first.size(), 24u);
    EXPECT_EQ(first, second);
    EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size())
        << "a program was measured twice";
    EXPECT_EQ(summary.rounds, 3);  // 8 per round
    EXPECT_EQ(summary.trials_run, 24);
    ASSERT_EQ(summary.finalists.size(), 3u);
    EXPECT_TRUE(std::isfinite(summary.best_seconds()));
    EXPECT_LE(summary.finalists[0].median_seconds, summary.finalists[1].median_seconds);
  }
}

TEST_F(TunerTest, AResumedRunMeasuresOnlyNewPrograms) {
  const std::string db_dir = dir_ + "/resume";
  std::vector<std::string> first =
      run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 16);
  TuneSummary summary;
  std::vector<std::string> all =
      run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 32, &summary);
  EXPECT_EQ(summary.trials_before, 16);
  EXPECT_EQ(summary.trials_run, 16);
  ASSERT_EQ(all.size(), 32u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 32u);
  // Already at its trials: nothing new is measured.
  run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 32, &summary);
  EXPECT_EQ(summary.trials_run, 0);
  EXPECT_EQ(summary.stop_reason, "reached 32 trials");
}

// The MLP model in the loop: runs are still deterministic; a resumed run's model learns
// from the earlier records before its first round; the no-tuning mode refuses an
// untrained model, and with a trained one records its pick as "predicted", which a later
// run measures like any candidate.
TEST_F(TunerTest, TheLearnedModelInTheLoopAndTheNoTuningMode) {
  auto mlp = [] { return std::make_shared<MLPCostModel>(); };
  std::vector<std::string> first = run_fake("EvolutionarySearch", dir_ + "/mlp_1",
                                            "gemm:m=32,n=32,k=64", "rules", 24, nullptr, mlp());
  std::vector<std::string> second = run_fake("EvolutionarySearch", dir_ + "/mlp_2",
                                             "gemm:m=32,n=32,k=64", "rules", 24, nullptr, mlp());
  EXPECT_EQ(first, second);

  std::shared_ptr<MLPCostModel> resumed = mlp();
  TuneSummary summary;
  run_fake("EvolutionarySearch", dir_ + "/mlp_1", "gemm:m=32,n=32,k=64", "rules", 24, &summary,
           resumed);
  EXPECT_EQ(summary.trials_run, 0);
  EXPECT_TRUE(resumed->learned()) << "the model learns from the 24 earlier records";

  const std::string db_dir = dir_ + "/no_tuning";
  EXPECT_TRUE(has(testing_util::error_of([&] {
                    run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 0,
                             nullptr, mlp());
                  }),
                  "the model has learned nothing"));
  run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 0, &summary, resumed);
  EXPECT_EQ(summary.trials_run, 0);
  EXPECT_FALSE(summary.best_program.empty());
  {
    Database db(db_dir);
    ASSERT_EQ(db.records().size(), 1u);
    const TuningRecord& r = db.records()[0];
    EXPECT_TRUE(r.predicted());
    EXPECT_EQ(r.program, summary.best_program);
    EXPECT_TRUE(db.top_k(r.workload, r.target, 1).empty()) << "a prediction is not a measurement";
    EXPECT_EQ(db.latest_predicted(r.workload, r.target), &r);
  }
  run_fake("EvolutionarySearch", db_dir, "gemm:m=32,n=32,k=64", "rules", 8, &summary, resumed);
  EXPECT_EQ(summary.trials_before, 0) << "the predicted record is not a trial";
  EXPECT_EQ(summary.trials_run, 8);
  EXPECT_TRUE(std::isfinite(summary.best_seconds()));
}

TEST_F(TunerTest, ASmallSpaceEndsWhenEveryProgramWasMeasured) {
  // elementwise:m=4,n=4 has only a handful of distinct programs.
  TuneSummary summary;
  std::vector<std::string> programs =
      run_fake("ReplayTrace", dir_ + "/small", "elementwise:m=4,n=4", "rules", 500, &summary);
  EXPECT_LT(programs.size(), 500u);
  EXPECT_EQ(summary.stop_reason, "the space has no unmeasured programs left");
}

TEST_F(TunerTest, ASpaceThatNeverValidatesEndsWithItsReason) {
  TuneContext ctx = context("gemm:m=16,n=16,k=16");
  ctx.postprocs = {std::make_shared<RejectEverything>()};
  Database db(dir_ + "/never");
  for (const char* name : {"ReplayTrace", "EvolutionarySearch"}) {
    std::shared_ptr<SearchStrategy> strategy = strategy_named(name);
    strategy->max_failed_samples = 200;
    std::shared_ptr<CostModel> model = make_component<CostModel>("Random");
    FakeBuilder builder;
    FakeRunner runner;
    std::string error = testing_util::error_of(
        [&] { tune(ctx, db, *strategy, *model, builder, runner, TuneOptions{}); });
    EXPECT_TRUE(has(error,
                    "the search gave up on gemm:m=16,n=16,k=16,dtype=float32,epilogue=none: 200 "
                    "samples in a row were rejected"))
        << error;
    EXPECT_TRUE(has(error, "RejectEverything 200 (for example: never valid)")) << error;
    EXPECT_EQ(runner.runs, 0);
  }
}

TEST_F(TunerTest, ARoundWithNothingMeasuredIsAnErrorAndItsRecordsAreKept) {
  TuneContext ctx = context("gemm:m=16,n=16,k=32");
  Database db(dir_ + "/crashes");
  std::shared_ptr<SearchStrategy> strategy = make_replay_trace();
  std::shared_ptr<CostModel> model = make_component<CostModel>("Random");
  FakeBuilder builder;
  FakeRunner runner(MeasureStatus::kCrash);
  TuneOptions options;
  options.trials = 16;
  options.trials_per_round = 4;
  std::string error =
      testing_util::error_of([&] { tune(ctx, db, *strategy, *model, builder, runner, options); });
  EXPECT_TRUE(has(error,
                  "round 1 of tuning gemm:m=16,n=16,k=32,dtype=float32,epilogue=none: none of its "
                  "4 candidates could be measured; crash 4 "
                  "(e.g. the fake runner fails everything)"))
      << error;
  Database reread(dir_ + "/crashes", false);
  ASSERT_EQ(reread.records().size(), 4u);
  for (const TuningRecord& r : reread.records()) {
    EXPECT_EQ(r.status, "crash");
    EXPECT_FALSE(r.ok());
  }
  EXPECT_TRUE(
      reread.top_k(workload_hash(ctx.workload.func), ctx.target.canonical().str(), 5).empty());
}

TEST_F(TunerTest, OptionErrors) {
  TuneContext ctx = context("gemm:m=16,n=16,k=16");
  Database db(dir_ + "/options");
  FakeBuilder builder;
  FakeRunner runner;
  auto model = make_component<CostModel>("Random");
  TuneOptions options;
  options.trials_per_round = 0;
  EXPECT_EQ(testing_util::error_of(
                [&] { tune(ctx, db, *make_replay_trace(), *model, builder, runner, options); }),
            "tune: trials_per_round must be at least 1, got 0");
  EvolutionarySearchOptions evolution;
  evolution.eps_greedy = 1.5;
  EXPECT_EQ(testing_util::error_of([&] {
              tune(ctx, db, *make_evolutionary_search(evolution), *model, builder, runner,
                   TuneOptions{});
            }),
            "EvolutionarySearch: eps_greedy must be in [0, 1], got 1.5");
  EXPECT_EQ(testing_util::error_of([&] { make_replay_trace()->generate_candidates(4); }),
            "a search strategy was used before initialize()");
  EXPECT_EQ(
      testing_util::error_of([&] {
        make_evolutionary_search()->initialize(
            ctx, SearchInput{ctx.generate_design_space(), {}, {}, nullptr});
      }),
      "EvolutionarySearch for gemm:m=16,n=16,k=16,dtype=float32,epilogue=none needs a cost model");
  NoScores no_scores;
  EXPECT_EQ(testing_util::error_of([&] {
              tune(ctx, db, *strategy_named("EvolutionarySearch"), no_scores, builder, runner,
                   TuneOptions{});
            }),
            "the cost model gave 0 scores for 48 programs");
  TuneContext empty = context("gemm:m=16,n=16,k=16");
  empty.space_generator = std::make_shared<EmptySpace>();
  EXPECT_EQ(testing_util::error_of([&] {
              tune(empty, db, *make_replay_trace(), *model, builder, runner, TuneOptions{});
            }),
            "the design space of gemm:m=16,n=16,k=16,dtype=float32,epilogue=none has no sketches");
}

TEST_F(TunerTest, AStoredTraceThatNoLongerFitsNamesItsRecord) {
  const std::string db_dir = dir_ + "/misfit";
  run_fake("ReplayTrace", db_dir, "gemm:m=32,n=32,k=64", "rules", 1);
  Database db(db_dir, false);
  const TuningRecord& record = db.records().front();
  std::string error =
      testing_util::error_of([&] { replay_record(record, workloads::get("gemm:m=48,n=48,k=48")); });
  EXPECT_TRUE(has(
      error,
      fmt::format("while replaying the record of program {} (measured {}) on gemm:m=48,n=48,k=48",
                  record.program, record.time)))
      << error;
}

// Counts what a measure callback sees, and checks that the database writer ran first.
class CountingCallback : public MeasureCallback {
 public:
  void on_measured(TaskTuner& task, const MeasuredCandidate& m) override {
    ++measured;
    bool stored = false;
    for (const TuningRecord* r :
         task.database().records_of(task.summary().workload_hash, task.summary().target)) {
      stored = stored || r->program == m.record->program;
    }
    stored_before_callback += stored ? 1 : 0;
    last_of_round += m.last_of_round ? 1 : 0;
  }
  void on_round(TaskTuner&, const std::vector<MeasuredCandidate>& round) override {
    rounds.push_back(static_cast<int>(round.size()));
  }
  int measured = 0, stored_before_callback = 0, last_of_round = 0;
  std::vector<int> rounds;
};

TEST_F(TunerTest, ATaskTunesRoundByRoundWithItsCallbacks) {
  TuneContext ctx = context("gemm:m=64,n=64,k=64");
  Database db(dir_ + "/rounds");
  std::shared_ptr<SearchStrategy> strategy = strategy_named("EvolutionarySearch");
  std::shared_ptr<CostModel> model = make_component<CostModel>("Random");
  FakeBuilder builder;
  FakeRunner runner;
  auto counting = std::make_shared<CountingCallback>();
  TuneOptions options;
  options.trials = 20;
  options.trials_per_round = 8;
  options.remeasure_top = 3;
  options.callbacks = {counting};
  TaskTuner task(ctx, db, *strategy, *model, builder, runner, options);
  int rounds = 0;
  while (!task.finished()) {
    task.run_round();
    ++rounds;
    EXPECT_EQ(task.trials(), std::min<int64_t>(20, 8 * rounds));
  }
  EXPECT_EQ(rounds, 3);
  EXPECT_EQ(counting->rounds, (std::vector<int>{8, 8, 4}));
  EXPECT_EQ(counting->measured, 20);
  EXPECT_EQ(counting->stored_before_callback, 20)
      << "every record is in the database before the caller's callbacks run";
  EXPECT_EQ(counting->last_of_round, 3);
  TuneSummary summary = task.finish();
  EXPECT_EQ(summary.trials_run, 20);
  ASSERT_FALSE(summary.finalists.empty());
  // The summary's best is what the database ranks first (and so what replay --db builds),
  // although the fake fresh runner orders the finalists opposite to the trials.
  EXPECT_EQ(db.top_k(summary.workload_hash, summary.target, 1)[0].record->program,
            summary.finalists.front().program);
  EXPECT_EQ(summary.best_program, summary.finalists.front().program);
  EXPECT_DOUBLE_EQ(db.top_k(summary.workload_hash, summary.target, 1)[0].median_seconds,
                   summary.best_seconds());
}

TEST_F(TunerTest, TheOneCallTuneReturnsTheBestProgram) {
  const PrimFunc gemm = workloads::get("gemm:m=32,n=32,k=32").func;
  TuneOptions options;
  options.trials = 4;
  options.trials_per_round = 4;
  options.remeasure_top = 1;
  options.database = dir_ + "/one_call";
  options.cost_model = "random";
  options.num_threads = 2;
  TuneResult r = tune(gemm, Target::parse("llvm -mcpu=native -num-cores=1"), options);
  ASSERT_TRUE(r.best_trace.has_value()) << r.summary.to_text();
  Schedule again(gemm);
  r.best_trace->apply(again, /*remove_postproc=*/false, ReplayMode::kStrict);
  EXPECT_TRUE(structural_equal(again.func(), r.best_program));
  EXPECT_EQ(program_hash(r.best_program), r.summary.best_program);
  // The overload that takes the pieces refuses the names it would ignore.
  TuneContext ctx = context("gemm:m=8,n=8,k=8");
  Database db(dir_ + "/pieces");
  FakeBuilder builder;
  FakeRunner runner;
  TuneOptions named;
  named.space = "gemm_manual";
  EXPECT_NE(testing_util::error_of([&] {
              tune(ctx, db, *strategy_named("EvolutionarySearch"),
                   *make_component<CostModel>("Random"), builder, runner, named);
            }).find("TuneOptions::space ('gemm_manual') is for tune(func, target, options)"),
            std::string::npos);
  TuneOptions no_database;
  EXPECT_NE(testing_util::error_of([&] {
              tune(gemm, Target::host(), no_database);
            }).find("TuneOptions::database names no directory"),
            std::string::npos);
}

// Real kernels: the tuned GEMM beats the unscheduled one measured by the same runner,
// and the best record replays from the database to a kernel that matches the reference.
TEST_F(TunerTest, TuningARealKernelBeatsTheUnscheduledProgramAndItsBestRecordReplays) {
  TuneContext ctx(workloads::get("gemm:m=96,n=96,k=96"),
                  Target::parse("llvm -mcpu=native -num-cores=2"));
  fill_defaults(ctx);
  ctx.seed = 3;
  ctx.num_threads = 2;
  Database db(dir_ + "/real");
  RunnerOptions runner_options;
  runner_options.threads = 2;
  runner_options.timing = TimingOptions{1, 3, 5, false};
  LocalBuilder builder(2);
  LocalRunner runner(runner_options);
  TuneOptions options;
  options.trials = 8;
  options.trials_per_round = 4;
  options.remeasure_top = 2;
  TuneSummary summary = tune(ctx, db, *strategy_named("EvolutionarySearch"),
                             *make_component<CostModel>("Random"), builder, runner, options);
  ASSERT_TRUE(std::isfinite(summary.best_seconds())) << summary.to_text();
  EXPECT_TRUE(summary.failures.empty()) << summary.to_text();
  EXPECT_TRUE(has(summary.to_text(), "re-measured 3 rounds in a fresh worker"))
      << summary.to_text();
  EXPECT_TRUE(std::filesystem::exists(summary.curve_path));

  std::vector<BuildResult> plain = builder.build({ctx.workload.func}, ctx.target.canonical(), dir_);
  ASSERT_TRUE(plain[0].ok()) << plain[0].error;
  MeasureResult unscheduled = runner.run(ctx.workload, plain[0]);
  ASSERT_TRUE(unscheduled.ok()) << unscheduled.reason;
  EXPECT_LT(summary.best_seconds(), unscheduled.median()) << summary.to_text();

  std::vector<RankedProgram> best = db.top_k(summary.workload_hash, summary.target, 1);
  ASSERT_EQ(best.size(), 1u);
  Schedule replayed = replay_record(*best[0].record, ctx.workload);
  EXPECT_EQ(program_hash(replayed.func()), best[0].record->program);
  PrimFunc lowered = lower(replayed.func(), ctx.target.canonical());
  LLVMModule module = LLVMModule::compile({lowered}, 3, ctx.target.canonical());
  ReferenceCache cache(reference_runner_for);
  CheckResult check = check_correctness(
      ctx.workload.func, [&](std::vector<NDArray>& args) { module.run(lowered->name, args); },
      cache, 0);
  EXPECT_TRUE(check.match) << check.summary();
}

}  // namespace
}  // namespace tessera
