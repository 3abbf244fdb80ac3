// Tests of the C backend: lowered programs compiled by the system C compiler compute
// what the reference interpreter computes, for every workload unscheduled and for the
// property test's random schedules (many kernels per translation unit, one compile per
// workload); the C it emits for the constructs that matter.
#include <gtest/gtest.h>

#include <cstdlib>

#include "../common/error_of.h"
#include "../common/random_schedule.h"
#include "tessera/codegen/c_codegen.h"
#include "tessera/codegen/c_module.h"
#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

PrimFunc renamed(const PrimFunc& f, const std::string& name) { return PrimFunc::make(name, f->params, f->body, f->attrs); }

// Compiles every (original, scheduled) pair into one module and compares each kernel
// with the interpreter on the original.
void expect_compiled_match(const std::vector<std::pair<PrimFunc, PrimFunc>>& cases, const std::vector<std::string>& labels) {
  std::vector<PrimFunc> lowered;
  for (size_t i = 0; i < cases.size(); ++i) lowered.push_back(renamed(lower(cases[i].second), "k" + std::to_string(i)));
  std::string source = emit_c(lowered);
  CModule module = CModule::compile(source);
  for (size_t i = 0; i < cases.size(); ++i) {
    const PrimFunc& original = cases[i].first;
    std::vector<NDArray> expected = make_random_arguments(original, 7), actual = make_random_arguments(original, 7);
    run_reference(original, expected);
    if (std::getenv("TESSERA_TRACE_KERNELS")) std::fprintf(stderr, "running %s\n", labels[i].c_str());
    module.run("k" + std::to_string(i), actual);
    std::vector<bool> outputs = written_params(original);
    for (size_t p = 0; p < expected.size(); ++p) {
      if (!outputs[p]) continue;
      Comparison c = compare(actual[p], expected[p], 1e-4, 1e-4);
      ASSERT_TRUE(c.match) << labels[i] << "\n" << original->params[p]->name << ": " << c.summary << "\n" << print(lowered[i]);
    }
  }
}

TEST(CBackend, EveryWorkloadUnscheduled) {
  std::vector<std::pair<PrimFunc, PrimFunc>> cases;
  std::vector<std::string> labels;
  for (const std::string& spec : testing_util::small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    cases.push_back({f, f});
    labels.push_back(spec);
  }
  expect_compiled_match(cases, labels);
}

TEST(CBackend, RandomSchedulesCompileToTheSameResults) {
  const char* env = std::getenv("TESSERA_RANDOM_SCHEDULES");
  const int per_workload = env != nullptr ? std::max(1, std::atoi(env) / 4) : 25;
  testing_util::Stats stats;
  for (const std::string& spec : testing_util::small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    std::vector<std::pair<PrimFunc, PrimFunc>> cases;
    std::vector<std::string> labels;
    for (int n = 0; n < per_workload; ++n) {
      Random rng(static_cast<uint64_t>(n) * 15485863 + spec.size());
      Schedule sch(f, static_cast<uint64_t>(n));
      int steps = static_cast<int>(rng.uniform_int(1, 9));
      for (int s = 0; s < steps; ++s) {
        testing_util::random_step(sch, rng, stats);
        if (HasFatalFailure()) return;
      }
      cases.push_back({f, sch.func()});
      labels.push_back(spec + " seed " + std::to_string(n) + "\ntrace: " + sch.trace()->to_json_string());
    }
    expect_compiled_match(cases, labels);
    if (HasFatalFailure()) return;
  }
}

TEST(CBackend, ParallelAndVectorLoopsBecomePragmas) {
  PrimFunc f = workloads::get("gemm:m=64,n=32,k=8").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[0], l[2], l[1]});
  sch.parallel(l[0]);
  sch.vectorize(l[1]);
  std::string source = emit_c({lower(sch.func())});
  EXPECT_TRUE(has(source, "#pragma omp parallel for\n  for (int32_t i = 0; i < 64; ++i) {")) << source;
  EXPECT_TRUE(has(source, "#pragma omp simd\n")) << source;
  EXPECT_TRUE(has(source, "void gemm(float* restrict A, float* restrict B, float* restrict C) {")) << source;
  expect_compiled_match({{f, sch.func()}}, {"parallel gemm"});
}

TEST(CBackend, ClearErrors) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=4").func;
  EXPECT_NE(testing_util::error_of([&] { emit_c({f}); }).find("C backend: parameter 'A' of 'gemm' is not flattened; lower the function first"),
            std::string::npos);
  PrimFunc half = workloads::get("gemm:m=4,n=4,k=4,dtype=float16").func;
  EXPECT_NE(testing_util::error_of([&] { emit_c({lower(half)}); }).find("data type float16 has no C equivalent here"), std::string::npos);
  EXPECT_NE(testing_util::error_of([&] { CModule::compile("this is not C"); }).find("C backend: the C compiler failed"), std::string::npos);
}

}  // namespace
}  // namespace tessera
