// The MLP cost model: it learns a synthetic ranking almost perfectly, training is
// deterministic for a seed, save/load gives identical predictions, bad model files are
// refused with the file named; and the ranking metrics on hand-made cases.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "common/error_of.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/random.h"
#include "tessera/tune/database.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model_evaluation.h"
#include "tessera/tune/feature_extractor.h"
#include "tessera/tune/mlp_cost_model.h"
#include "tessera/tune/tune_context.h"

namespace tessera {
namespace {

using testing_util::error_of;

// Programs of 1–3 stores with random values in 12 of the feature columns (real rows are
// mostly zeros too); the true speed is a non-linear function of three of them summed
// over the stores, as real costs add up per store.
std::vector<CostSample> synthetic(uint64_t seed, int count, int max_rows = 3) {
  Random rng(seed);
  std::vector<CostSample> out;
  for (int p = 0; p < count; ++p) {
    CostSample s;
    const int rows = 1 + static_cast<int>(rng.uniform_int(0, max_rows));
    s.features = Eigen::MatrixXf(rows, kFeatureCount);
    double work = 0;
    for (int r = 0; r < rows; ++r) {
      s.features.row(r).setZero();
      for (int c = 0; c < 12; ++c)
        s.features(r, c * 10) = static_cast<float>(10 * rng.uniform_double());
      const double a = s.features(r, 30), b = s.features(r, 40), d = s.features(r, 100);
      work += a + 0.5 * std::max(b - 5.0, 0.0) * 2 + 0.3 * d;
    }
    s.seconds = 1e-3 * std::exp(work / 10);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> seconds_of(const std::vector<CostSample>& samples) {
  std::vector<double> s;
  for (const CostSample& c : samples) s.push_back(c.seconds);
  return s;
}
std::vector<Eigen::MatrixXf> features_of(const std::vector<CostSample>& samples) {
  std::vector<Eigen::MatrixXf> f;
  for (const CostSample& c : samples) f.push_back(c.features);
  return f;
}

TEST(MLPCostModel, LearnsASyntheticRanking) {
  MLPOptions o;
  o.seed = 3;
  MLPCostModel model(o);
  model.add_samples("task", synthetic(1, 400));
  model.train(60);
  std::vector<CostSample> held_out = synthetic(2, 200);
  EXPECT_GT(pairwise_accuracy(model.score(features_of(held_out)), seconds_of(held_out)), 0.95);
}

// Regression fits normalised throughput, which is not a sum over stores: it is checked on
// one-store programs (the rank loss is the default for that reason); squared error
// weighs the fast programs, so the slow ones stay loosely ordered (an untrained model
// scores 0.5 here).
TEST(MLPCostModel, RegressionLearnsOneStorePrograms) {
  MLPOptions o;
  o.seed = 3;
  o.loss = MLPOptions::Loss::kRegression;
  MLPCostModel model(o);
  model.add_samples("task", synthetic(1, 400, 1));
  model.train(200);
  std::vector<CostSample> held_out = synthetic(2, 200, 1);
  EXPECT_GT(pairwise_accuracy(model.score(features_of(held_out)), seconds_of(held_out)), 0.62);
}

TEST(MLPCostModel, TrainingIsDeterministicForASeed) {
  auto train = [](uint64_t seed) {
    MLPOptions o;
    o.seed = seed;
    MLPCostModel model(o);
    model.add_samples("task", synthetic(5, 100));
    model.train(5);
    return model.score(features_of(synthetic(6, 20)));
  };
  EXPECT_EQ(train(7), train(7));
  EXPECT_NE(train(7), train(8));
}

TEST(MLPCostModel, SaveAndLoadGiveIdenticalPredictions) {
  const std::string path = testing::TempDir() + "tessera_mlp_model.json";
  MLPOptions o;
  o.hidden = 24;
  o.loss = MLPOptions::Loss::kRegression;
  MLPCostModel model(o);
  model.add_samples("task", synthetic(9, 80));
  model.train(3);
  model.save(path);
  MLPCostModel loaded;  // other width and loss: the file decides
  loaded.load(path);
  EXPECT_TRUE(loaded.trained());
  EXPECT_EQ(loaded.options().hidden, 24);
  EXPECT_EQ(loaded.options().loss, MLPOptions::Loss::kRegression);
  std::vector<Eigen::MatrixXf> f = features_of(synthetic(10, 30));
  EXPECT_EQ(model.score(f), loaded.score(f));
  std::filesystem::remove(path);
}

TEST(MLPCostModel, BadModelFilesAreRefusedByName) {
  const std::string dir = testing::TempDir();
  MLPCostModel model;
  EXPECT_NE(error_of([&] {
              model.load(dir + "no_such_model.json");
            }).find("cannot read cost model file " + dir + "no_such_model.json"),
            std::string::npos);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir + name) << text;
    return dir + name;
  };
  EXPECT_NE(error_of([&] {
              model.load(write("m1.json", "{not json"));
            }).find("m1.json is not a cost model file"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              model.load(write("m2.json", R"({"model": "Random"})"));
            }).find("m2.json is not an MLP cost model file"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              model.load(write("m3.json", R"({"format": "tessera MLP cost model", "version": 9})"));
            }).find("MLP cost model version 9"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] {
        model.load(write(
            "m4.json",
            R"({"format": "tessera MLP cost model", "version": 1, "feature_count": 3, "feature_layout": "x"})"));
      }).find("was trained on other features"),
      std::string::npos);
  EXPECT_FALSE(model.trained()) << "a failed load leaves the model as it was";
  // The right header, a weight missing.
  MLPCostModel trained;
  trained.add_samples("task", synthetic(9, 20));
  trained.train(1);
  trained.save(dir + "m5.json");
  nlohmann::json j = nlohmann::json::parse(std::ifstream(dir + "m5.json"));
  j.erase("w2");
  std::ofstream(dir + "m5.json") << j.dump();
  const std::vector<Eigen::MatrixXf> f = features_of(synthetic(10, 10));
  const std::vector<double> before = trained.score(f);
  EXPECT_NE(
      error_of([&] { trained.load(dir + "m5.json"); }).find("m5.json: malformed MLP cost model"),
      std::string::npos);
  EXPECT_EQ(trained.score(f), before) << "a file that fails half-way leaves the model as it was";
  EXPECT_NE(error_of([] {
              MLPOptions o;
              o.hidden = 0;
              MLPCostModel m(o);
            }).find("hidden width must be at least 1"),
            std::string::npos);
}

TEST(MLPCostModel, OnlineUpdatesLearnFromRealPrograms) {
  // Programs of a real workload: GEMM tiles with a good and a bad inner stride. After
  // updates the model must prefer the kind that was measured faster.
  TuneContext ctx(workloads::get("gemm:m=64,n=64,k=64"), Target::host());
  MLPCostModel model;
  model.initialize(ctx);
  auto program = [&](bool good, int tile) {
    Schedule sch(ctx.workload.func);
    std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
    std::vector<LoopRV> j = sch.split(l[1], {64 / tile, tile});
    if (good)
      sch.reorder({l[0], l[2], j[0], j[1]});  // j innermost: unit stride on B and C
    else
      sch.reorder({j[0], j[1], l[2], l[0]});  // i innermost: stride 64
    return sch.func();
  };
  std::vector<PrimFunc> programs;
  std::vector<double> seconds;
  for (int tile : {1, 2, 4, 8, 16, 32}) {
    programs.push_back(program(true, tile));
    seconds.push_back(1e-4 * (1 + 0.01 * tile));
    programs.push_back(program(false, tile));
    seconds.push_back(5e-4 * (1 + 0.01 * tile));
  }
  for (int round = 0; round < 5; ++round) model.update(ctx, programs, seconds);
  std::vector<double> scores = model.predict(ctx, {program(true, 64), program(false, 64)});
  EXPECT_GT(scores[0], scores[1]);
}

// A family's tasks share one model (task_scheduler.h): a task's round is learnt under that
// task, not under whichever task initialized the model last (which mixed two tasks'
// run times into one ranking).
TEST(MLPCostModel, ASharedModelKeepsEachTasksSamplesApart) {
  TuneContext a(workloads::get("gemm:m=16,n=16,k=16"), Target::host());
  TuneContext b(workloads::get("gemm:m=32,n=16,k=16"), Target::host());
  MLPOptions options;
  options.epochs_per_update = 1;
  MLPCostModel model(options);
  model.initialize(a);
  model.initialize(b);
  model.update(a, {a.workload.func, a.workload.func}, {1e-3, 2e-3});
  model.update(b, {b.workload.func}, {1e-3});
  const std::map<std::string, size_t> counts = model.sample_counts();
  EXPECT_EQ(counts.at(workload_hash(a.workload.func)), 2u);
  EXPECT_EQ(counts.at(workload_hash(b.workload.func)), 1u);
}

TEST(CostDatasets, OnlyMeasuredRecordsAreData) {
  const std::string dir = testing::TempDir() + "tessera_cost_datasets";
  std::filesystem::remove_all(dir);
  Database db(dir);
  const Workload gemm = workloads::get("gemm:m=16,n=16,k=16");
  const std::string w = db.add_workload(gemm);
  const std::string target = Target::host().str();
  auto record = [&](const std::string& program, int tile, std::vector<double> seconds,
                    const std::string& status) {
    Schedule sch(gemm.func);
    std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
    sch.split(l[1], {std::nullopt, tile});
    TuningRecord r;
    r.workload = w;
    r.target = target;
    r.program = program;
    r.trace = nlohmann::json::parse(sch.trace()->to_json_string());
    r.run_seconds = std::move(seconds);
    r.status = status;
    db.add_record(r);
  };
  // Only the no-tuning mode's pick, never measured: nothing to learn from.
  record("guess", 8, {}, TuningRecord::kPredicted);
  EXPECT_TRUE(load_cost_datasets(db, 1).empty());
  record("fast", 4, {1e-4}, "ok");
  record("slow", 2, {3e-4}, "ok");
  record("crashes", 16, {}, "crash");
  std::vector<CostDataset> data = load_cost_datasets(db, 1);
  ASSERT_EQ(data.size(), 1u);
  // The failure counts as the slowest; the predicted record is no sample at all.
  ASSERT_EQ(data[0].samples.size(), 3u);
  int infinite = 0;
  for (const CostSample& sample : data[0].samples) infinite += std::isinf(sample.seconds) ? 1 : 0;
  EXPECT_EQ(infinite, 1);
  std::filesystem::remove_all(dir);
}

TEST(RankingMetrics, HandMadeCases) {
  const std::vector<double> seconds{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(pairwise_accuracy({4, 3, 2, 1}, seconds), 1.0);
  EXPECT_DOUBLE_EQ(pairwise_accuracy({1, 2, 3, 4}, seconds), 0.0);
  EXPECT_DOUBLE_EQ(pairwise_accuracy({4, 3, 1, 2}, seconds), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(top_k_score({0, 0, 1, 2}, seconds, 1), 1.0 / 4.0);  // picks the 4 s program
  EXPECT_DOUBLE_EQ(top_k_score({0, 0, 1, 2}, seconds, 2), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(top_k_score({3, 0, 1, 2}, seconds, 1), 1.0);
  EXPECT_DOUBLE_EQ(recall_at_k({4, 0, 3, 1}, seconds, 2), 0.5);
  EXPECT_DOUBLE_EQ(normalized_throughput({2, 4, INFINITY})[1], 0.5);
  EXPECT_DOUBLE_EQ(normalized_throughput({2, 4, INFINITY})[2], 0.0);
}

}  // namespace
}  // namespace tessera
