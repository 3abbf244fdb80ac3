// Tests of the isolated runner (runtime/isolated_runner.h) with real shared libraries:
// a good kernel is checked and timed; a wrong one, a crashing one (SIGSEGV from an
// out-of-range store, SIGFPE raised by a hand-written C library), an endless one and
// one that cannot be loaded each come back as a failed measurement with its reason,
// and the runner measures the next good kernel in a fresh worker.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/ir/parser.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/isolated_runner.h"
#include "tessera/runtime/measurement_gate.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/error.h"
#include "tessera/support/run_command.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

RunnerOptions runner_options(double timeout_seconds, TimingOptions timing) {
  RunnerOptions o;
  o.timeout_seconds = timeout_seconds;
  o.timing = timing;
  return o;
}

class IsolatedRunnerTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = testing::TempDir() + "tessera_runner_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Compiles `func` (block IR or hand-written loop IR) to DIR/NAME.so.
  std::string build(const PrimFunc& func, const std::string& name) {
    std::string path = dir_ + "/" + name + ".so";
    LLVMModule::write({lower(func)}, LLVMModule::OutputKind::kSharedLibrary, path, 1);
    return path;
  }
  // A candidate for the 8x8x8 GEMM written by hand: same name and parameters, `body`
  // inside loops over i and j.
  std::string build_gemm_candidate(const std::string& body, const std::string& name,
                                   const std::string& extent_i = "8") {
    const std::string zero = extent_i == "8" ? "0" : "0i64";
    PrimFunc f = parse_prim_func(
        "func gemm(A: float32[8, 8], B: float32[8, 8], C: float32[8, 8]) {\n  for i in range(" +
        zero + ", " + extent_i + ") {\n    for j in range(0, 8) {\n      " + body +
        "\n    }\n  }\n}\n");
    return build(f, name);
  }

  std::string dir_;
  PrimFunc gemm_ = workloads::get("gemm:m=8,n=8,k=8").func;
};

TEST_F(IsolatedRunnerTest, AGoodKernelIsCheckedAndTimed) {
  IsolatedRunner runner(runner_options(30, {1, 4, 1, false}));
  MeasureResult r = runner.measure(gemm_, build(gemm_, "good"), "gemm");
  ASSERT_TRUE(r.ok()) << to_string(r.status) << ": " << r.reason;
  EXPECT_EQ(r.seconds.size(), 4u);
  EXPECT_GE(r.number, 1);
  EXPECT_GT(r.median(), 0);
  EXPECT_TRUE(has(r.check_summary, "C: ")) << r.check_summary;
  EXPECT_EQ(runner.workers_started(), 1);
  // The worker stays for the next candidate.
  EXPECT_TRUE(runner.measure(gemm_, build(gemm_, "good2"), "gemm").ok());
  EXPECT_EQ(runner.workers_started(), 1);
}

// The tuner's candidates are linked by `ld` alone (kLoadableLibrary): their thread-pool
// and libm calls must bind to the worker's own libtessera and libm when loaded.
TEST_F(IsolatedRunnerTest, ALoadableLibraryWithParallelLoopsAndMathRunsInTheWorker) {
  PrimFunc softmax = workloads::get("SFM:m=64,n=32").func;
  Schedule sch(softmax);
  BlockRV exp_block = sch.get_block("row_exp");
  sch.parallel(sch.get_loops(exp_block)[0]);
  const std::string path = dir_ + "/softmax.so";
  LLVMModule::write({lower(sch.func())}, LLVMModule::OutputKind::kLoadableLibrary, path, 1);
  IsolatedRunner runner(runner_options(30, {1, 2, 1, false}));
  MeasureResult r = runner.measure(softmax, path, softmax->name);
  ASSERT_TRUE(r.ok()) << to_string(r.status) << ": " << r.reason;
  EXPECT_TRUE(has(r.check_summary, "softmax")) << r.check_summary;
}

TEST_F(IsolatedRunnerTest, FailuresAreReportedAndTheNextCandidateIsMeasured) {
  IsolatedRunner runner(runner_options(2, {1, 2, 1, false}));
  const std::string good = build(gemm_, "good");

  MeasureResult wrong =
      runner.measure(gemm_, build_gemm_candidate("C[i, j] = 0f32;", "wrong"), "gemm");
  EXPECT_EQ(wrong.status, MeasureStatus::kWrongResult) << wrong.reason;
  EXPECT_TRUE(has(wrong.reason, "the outputs differ from the reference")) << wrong.reason;
  EXPECT_EQ(runner.workers_started(), 1);  // a wrong result does not cost the worker

  // A store 2^40 rows past the buffer: unmapped memory.
  MeasureResult crash = runner.measure(
      gemm_,
      build_gemm_candidate("C[cast(int64, i) * 1099511627776i64 + 1099511627776i64, j] = 1f32;",
                           "segv"),
      "gemm");
  EXPECT_EQ(crash.status, MeasureStatus::kCrash) << crash.reason;
  EXPECT_TRUE(has(crash.reason, "killed by SIGSEGV")) << crash.reason;
  EXPECT_TRUE(has(crash.reason, "segv.so")) << crash.reason;
  ASSERT_TRUE(runner.measure(gemm_, good, "gemm").ok());
  EXPECT_EQ(runner.workers_started(), 2);

  // 2^62 dependent float additions: it never finishes.
  const auto before = std::chrono::steady_clock::now();
  MeasureResult endless = runner.measure(
      gemm_, build_gemm_candidate("C[0, 0] = C[0, 0] + 1f32;", "endless", "4611686018427387904i64"),
      "gemm");
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
  EXPECT_EQ(endless.status, MeasureStatus::kTimeout) << endless.reason;
  EXPECT_TRUE(has(endless.reason, "no result within 2 s")) << endless.reason;
  EXPECT_LT(waited, 20);
  ASSERT_TRUE(runner.measure(gemm_, good, "gemm").ok());
  EXPECT_EQ(runner.workers_started(), 3);

  // A hand-written library that prints and raises SIGFPE: the reason has both.
  std::ofstream(dir_ + "/fpe.c") << "#include <signal.h>\n#include <stdio.h>\n"
                                    "int gemm_packed(void** args) { (void)args; fprintf(stderr, "
                                    "\"dividing by zero now\\n\"); raise(SIGFPE); }\n";
  CommandResult cc =
      run_command({"cc", "-shared", "-fPIC", "-o", dir_ + "/fpe.so", dir_ + "/fpe.c"});
  ASSERT_EQ(cc.status, 0) << cc.output;
  MeasureResult fpe = runner.measure(gemm_, dir_ + "/fpe.so", "gemm");
  EXPECT_EQ(fpe.status, MeasureStatus::kCrash) << fpe.reason;
  EXPECT_TRUE(has(fpe.reason, "killed by SIGFPE")) << fpe.reason;
  EXPECT_TRUE(has(fpe.reason, "dividing by zero now")) << fpe.reason;
  ASSERT_TRUE(runner.measure(gemm_, good, "gemm").ok());
  EXPECT_EQ(runner.workers_started(), 4);
}

TEST_F(IsolatedRunnerTest, LoadErrorsNameTheLibraryAndTheFunction) {
  IsolatedRunner runner(runner_options(10, {1, 1, 0, false}));
  MeasureResult missing = runner.measure(gemm_, dir_ + "/missing.so", "gemm");
  EXPECT_EQ(missing.status, MeasureStatus::kLoadError);
  EXPECT_TRUE(has(missing.reason, "cannot load " + dir_ + "/missing.so")) << missing.reason;
  MeasureResult unnamed = runner.measure(gemm_, build(gemm_, "good"), "matmul");
  EXPECT_EQ(unnamed.status, MeasureStatus::kLoadError);
  EXPECT_TRUE(has(unnamed.reason, "has no function 'matmul_packed'")) << unnamed.reason;
  EXPECT_EQ(runner.workers_started(), 1);
  EXPECT_THROW(unnamed.median(), Error);
}

TEST_F(IsolatedRunnerTest, ConfigurationErrorsAreClear) {
  auto message = [](const RunnerOptions& o) {
    try {
      IsolatedRunner runner(o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  RunnerOptions no_worker;
  no_worker.worker_path = "/nonexistent/tessera-worker";
  EXPECT_TRUE(has(message(no_worker),
                  "the measurement worker /nonexistent/tessera-worker is not an executable file"));
  EXPECT_TRUE(has(message(runner_options(0, {})), "the runner's timeout must be positive"));
  RunnerOptions no_threads;
  no_threads.threads = 0;
  EXPECT_TRUE(has(message(no_threads), "the runner's thread count must be at least 1, got 0"));
}

TEST(MeasurementGate, CompilationWaitsWhileSomethingIsTimed) {
  std::atomic<bool> compiled{false};
  std::thread builder;
  {
    MeasurementScope timing;
    builder = std::thread([&] {
      CompilationScope building;
      compiled = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(compiled.load());
  }
  builder.join();
  EXPECT_TRUE(compiled.load());
}

}  // namespace
}  // namespace tessera
