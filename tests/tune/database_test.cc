// Tests of the tuning database (tune/database.h): round trip, a torn last line, two
// processes appending at once, compaction, merging and target-aware queries.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tessera/support/error.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/database.h"
#include "../common/error_of.h"

namespace tessera {
namespace {

class DatabaseTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "tessera_db_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TuningRecord record(const std::string& workload, const std::string& target,
                      const std::string& program, std::vector<double> seconds) {
    TuningRecord r;
    r.workload = workload;
    r.target = target;
    r.program = program;
    r.trace = nlohmann::json{{"version", 1},
                             {"instructions", nlohmann::json::array()},
                             {"decisions", nlohmann::json::array()}};
    r.run_seconds = std::move(seconds);
    return r;
  }
  void append_raw(const std::string& file, const std::string& text) {
    std::ofstream out(dir_ + "/" + file, std::ios::app | std::ios::binary);
    out << text;
  }

  std::string dir_;
  Workload gemm_ = workloads::get("gemm:m=8,n=8,k=8");
  const std::string cpu_ = "llvm -mcpu=znver5 -num-cores=2";
};

TEST_F(DatabaseTest, RecordsAndWorkloadsRoundTrip) {
  std::string w;
  {
    Database db(dir_);
    w = db.add_workload(gemm_);
    EXPECT_EQ(db.add_workload(gemm_), w);  // once only
    TuningRecord ok = record(w, cpu_, "00000000000000aa", {2e-3, 1e-3, 3e-3});
    db.add_record(ok);
    TuningRecord failed = record(w, cpu_, "00000000000000bb", {});
    failed.status = "wrong result";
    failed.reason = "C[0] differs";
    db.add_record(failed);
  }
  Database db(dir_, /*create=*/false);
  ASSERT_EQ(db.workloads().size(), 1u);
  EXPECT_EQ(db.workloads()[0].hash, w);
  EXPECT_EQ(db.workloads()[0].spec, gemm_.spec);
  EXPECT_EQ(db.workloads()[0].flops, gemm_.flops);
  ASSERT_EQ(db.records().size(), 2u);
  const TuningRecord& r = db.records()[0];
  EXPECT_EQ(r.program, "00000000000000aa");
  EXPECT_EQ(r.run_seconds, (std::vector<double>{2e-3, 1e-3, 3e-3}));
  EXPECT_DOUBLE_EQ(r.median_seconds(), 2e-3);
  EXPECT_FALSE(r.tessera_version.empty());
  EXPECT_FALSE(r.llvm_version.empty());
  EXPECT_EQ(r.time.size(), 20u);  // 2026-11-22T10:00:00Z
  EXPECT_EQ(db.records()[1].status, "wrong result");
  EXPECT_EQ(db.records()[1].reason, "C[0] differs");
  EXPECT_TRUE(db.warnings().empty());
  // The hash ignores variable names but not block names, and is the same on every run.
  EXPECT_EQ(workload_hash(workloads::get("gemm:m=8,n=8,k=8").func), w);
  EXPECT_NE(workload_hash(workloads::get("gemm:m=8,n=8,k=16").func), w);
}

TEST_F(DatabaseTest, ATornLastLineCostsOnlyThatLine) {
  std::string w;
  {
    Database db(dir_);
    w = db.add_workload(gemm_);
    db.add_record(record(w, cpu_, "0000000000000001", {1e-3}));
    db.add_record(record(w, cpu_, "0000000000000002", {2e-3}));
  }
  append_raw("records.jsonl",
             R"({"version":1,"workload":")" + w + R"(","tar)");  // a writer died here
  Database db(dir_, false);
  ASSERT_EQ(db.records().size(), 2u);
  ASSERT_EQ(db.warnings().size(), 1u);
  EXPECT_NE(db.warnings()[0].find("records.jsonl:3: skipped a torn last line"), std::string::npos)
      << db.warnings()[0];
  // The next record starts on a line of its own; the torn one stays skipped.
  db.add_record(record(w, cpu_, "0000000000000003", {3e-3}));
  Database again(dir_, false);
  ASSERT_EQ(again.records().size(), 3u);
  EXPECT_EQ(again.records()[2].program, "0000000000000003");
  ASSERT_EQ(again.warnings().size(), 1u);
  EXPECT_NE(again.warnings()[0].find("records.jsonl:3: skipped a line that is not a valid entry"),
            std::string::npos)
      << again.warnings()[0];
}

TEST_F(DatabaseTest, MalformedRecordsAreSkippedWithTheirLine) {
  Database db(dir_);
  std::string w = db.add_workload(gemm_);
  append_raw("records.jsonl", "{\"version\":2}\n{\"version\":1,\"workload\":\"x\"}\n");
  db.refresh();
  ASSERT_EQ(db.warnings().size(), 2u);
  EXPECT_NE(db.warnings()[0].find(":1: skipped a line that is not a valid entry: format version 2"),
            std::string::npos)
      << db.warnings()[0];
  EXPECT_NE(db.warnings()[1].find(
                ":2: skipped a line that is not a valid entry: the record has no field 'target'"),
            std::string::npos)
      << db.warnings()[1];
  TuningRecord bad = record(w, cpu_, "p", {-1.0});
  EXPECT_EQ(testing_util::error_of([&] { TuningRecord::from_json(bad.to_json()); }),
            "the record's run_seconds holds -1, which is not a positive time");
}

TEST_F(DatabaseTest, TwoProcessesAppendingAtOnceLoseNothing) {
  std::string w;
  {
    Database db(dir_);
    w = db.add_workload(gemm_);
  }
  constexpr int kPerWriter = 40;
  std::vector<pid_t> children;
  for (int writer = 0; writer < 2; ++writer) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int status = 0;
      try {
        Database db(dir_, false);
        for (int i = 0; i < kPerWriter; ++i)
          db.add_record(record(w, cpu_, fmt::format("{}-{}", writer, i), {1e-3 * (i + 1)}));
      } catch (...) {
        status = 1;
      }
      _exit(status);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Database db(dir_, false);
  EXPECT_TRUE(db.warnings().empty());
  ASSERT_EQ(db.records().size(), 2u * kPerWriter);
  // Each writer's records are all there, in its order.
  int next[2] = {0, 0};
  for (const TuningRecord& r : db.records()) {
    int writer = r.program[0] - '0';
    EXPECT_EQ(r.program, fmt::format("{}-{}", writer, next[writer]++));
  }
}

TEST_F(DatabaseTest, QueriesAreTargetAwareAndPoolRunTimes) {
  Database db(dir_);
  std::string w = db.add_workload(gemm_);
  const std::string other = "llvm -mcpu=skylake-avx512 -num-cores=4";
  db.add_record(record(w, cpu_, "slow", {5e-3}));
  db.add_record(record(w, cpu_, "fast", {1e-3}));
  db.add_record(record(w, other, "elsewhere", {1e-4}));
  db.add_record(record(w, cpu_, "fast", {3e-3, 3e-3}));  // measured again: pooled median 3e-3
  TuningRecord crashed = record(w, cpu_, "quick-but-crashes", {});
  db.add_record(record(w, cpu_, "quick-but-crashes", {1e-5}));
  crashed.status = "crash";
  db.add_record(crashed);
  std::vector<RankedProgram> top = db.top_k(w, cpu_, 10);
  ASSERT_EQ(top.size(), 2u);  // the crashing program never ranks; the other target's is not here
  EXPECT_EQ(top[0].record->program, "fast");
  EXPECT_DOUBLE_EQ(top[0].median_seconds, 3e-3);
  EXPECT_EQ(top[0].records, 2);
  EXPECT_EQ(top[1].record->program, "slow");
  EXPECT_EQ(db.top_k(w, cpu_, 1).size(), 1u);
  ASSERT_EQ(db.top_k(w, other, 10).size(), 1u);
  EXPECT_EQ(db.top_k(w, other, 10)[0].record->program, "elsewhere");
  EXPECT_TRUE(db.top_k("0123456789abcdef", cpu_, 10).empty());
}

TEST_F(DatabaseTest, TheLatestReMeasurementRanksItsFinalists) {
  Database db(dir_);
  std::string w = db.add_workload(gemm_);
  db.add_record(record(w, cpu_, "a", {1.0e-3}));
  db.add_record(record(w, cpu_, "b", {1.1e-3}));
  db.add_record(record(w, cpu_, "c", {5.0e-3}));
  // The end of the run re-measured a and b in a fresh worker: b was faster there, so the
  // summary reported b, and db best and replay --db must agree (pooling a's one fast trial
  // with its re-measurement would put a first).
  TuningRecord again_a = record(w, cpu_, "a", {1.3e-3, 1.3e-3, 1.3e-3});
  TuningRecord again_b = record(w, cpu_, "b", {1.2e-3, 1.2e-3, 1.2e-3});
  again_a.remeasured = again_b.remeasured = true;
  db.add_record(again_a);
  db.add_record(again_b);
  std::vector<RankedProgram> top = db.top_k(w, cpu_, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].record->program, "b");
  EXPECT_TRUE(top[0].remeasured);
  EXPECT_DOUBLE_EQ(top[0].median_seconds, 1.2e-3);
  EXPECT_EQ(top[1].record->program, "a");
  EXPECT_DOUBLE_EQ(top[1].median_seconds, 1.3e-3);
  EXPECT_EQ(top[2].record->program, "c");
  EXPECT_FALSE(top[2].remeasured);
  // A predicted record after the re-measurement changes nothing.
  TuningRecord predicted = record(w, cpu_, "guess", {});
  predicted.status = TuningRecord::kPredicted;
  db.add_record(predicted);
  EXPECT_EQ(db.top_k(w, cpu_, 1)[0].record->program, "b");
  // Trials measured after it make it stale: the pooled medians decide again.
  db.add_record(record(w, cpu_, "d", {0.5e-3}));
  top = db.top_k(w, cpu_, 2);
  EXPECT_EQ(top[0].record->program, "d");
  EXPECT_FALSE(top[0].remeasured);
}

TEST_F(DatabaseTest, CompactRewritesWithoutJunkAndDuplicates) {
  std::string w;
  {
    Database db(dir_);
    w = db.add_workload(gemm_);
    db.add_record(record(w, cpu_, "a", {1e-3}));
  }
  std::string first_line;
  {
    std::ifstream in(dir_ + "/records.jsonl");
    std::getline(in, first_line);
  }
  append_raw("records.jsonl", "not json\n" + first_line + "\n");
  append_raw("workloads.jsonl", "{}\n");
  Database db(dir_, false);
  EXPECT_EQ(db.records().size(), 2u);
  EXPECT_EQ(db.compact(), "kept 1 records; dropped 2 unreadable lines and 1 duplicates");
  EXPECT_EQ(db.records().size(), 1u);
  EXPECT_EQ(db.workloads().size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/records.jsonl.compact.tmp"));
  Database again(dir_, false);
  EXPECT_TRUE(again.warnings().empty());
  EXPECT_EQ(again.records().size(), 1u);
}

TEST_F(DatabaseTest, MergeAddsOnlyWhatIsMissing) {
  const std::string other_dir = dir_ + "/other";
  Database a(dir_ + "/a");
  Database b(other_dir);
  std::string w = a.add_workload(gemm_);
  b.add_workload(gemm_);
  TuningRecord shared = record(w, cpu_, "shared", {1e-3});
  shared.time = "2026-01-01T00:00:00Z";
  a.add_record(shared);
  b.add_record(shared);
  b.add_record(record(w, cpu_, "new", {2e-3}));
  EXPECT_EQ(a.merge(b), 1);
  EXPECT_EQ(a.records().size(), 2u);
  EXPECT_EQ(a.merge(b), 0);
}

TEST_F(DatabaseTest, OpeningErrorsNameTheDirectory) {
  EXPECT_EQ(testing_util::error_of([&] { Database(dir_ + "/missing", false); }),
            fmt::format("no tuning database at '{}/missing' (no such directory)", dir_));
  std::filesystem::create_directories(dir_ + "/empty");
  EXPECT_EQ(testing_util::error_of([&] { Database(dir_ + "/empty", false); }),
            fmt::format("'{}/empty' is not a tuning database: it has no workloads.jsonl", dir_));
}

}  // namespace
}  // namespace tessera
