// Tests of the code generators (C and LLVM): lowered programs, compiled, compute what
// the reference interpreter computes, for every workload unscheduled and for the
// property test's random schedules (many kernels per module, one compile per workload
// and backend); what they emit for the constructs that matter; their errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <functional>
#include <optional>

#include "../common/error_of.h"
#include "../common/random_schedule.h"
#include "tessera/codegen/c_codegen.h"
#include "tessera/codegen/c_module.h"
#include "tessera/codegen/llvm_codegen.h"
#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/schedule/space_registry.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

PrimFunc renamed(const PrimFunc& f, const std::string& name) {
  return PrimFunc::make(name, f->params, f->body, f->attrs);
}

// Compiles every (original, scheduled) pair into one module and compares each kernel
// with the interpreter on the original.
enum class Backend { kC, kLLVM };

void expect_compiled_match(const std::vector<std::pair<PrimFunc, PrimFunc>>& cases,
                           const std::vector<std::string>& labels, Backend backend = Backend::kC) {
  std::vector<PrimFunc> lowered;
  LowerOptions options;
  options.vectorize =
      backend == Backend::kLLVM;  // the C backend leaves vectorized loops to the C compiler
  for (size_t i = 0; i < cases.size(); ++i)
    lowered.push_back(renamed(lower(cases[i].second, options), "k" + std::to_string(i)));
  std::optional<CModule> c_module;
  std::optional<LLVMModule> llvm_module;
  // A lower optimisation level keeps the many small kernels quick to compile.
  if (backend == Backend::kC)
    c_module = CModule::compile(emit_c(lowered));
  else
    llvm_module = LLVMModule::compile(lowered, /*opt_level=*/1);
  for (size_t i = 0; i < cases.size(); ++i) {
    const PrimFunc& original = cases[i].first;
    std::vector<NDArray> expected = make_random_arguments(original, 7),
                         actual = make_random_arguments(original, 7);
    run_reference(original, expected);
    if (std::getenv("TESSERA_TRACE_KERNELS"))
      std::fprintf(stderr, "running %s\n", labels[i].c_str());
    if (c_module)
      c_module->run("k" + std::to_string(i), actual);
    else
      llvm_module->run("k" + std::to_string(i), actual);
    std::vector<bool> outputs = written_params(original);
    for (size_t p = 0; p < expected.size(); ++p) {
      if (!outputs[p]) continue;
      Comparison c = compare(actual[p], expected[p], 1e-4, 1e-4);
      ASSERT_TRUE(c.match) << labels[i] << "\n"
                           << original->params[p]->name << ": " << c.summary << "\n"
                           << print(lowered[i]);
    }
  }
}

class Backends : public testing::TestWithParam<Backend> {};
INSTANTIATE_TEST_SUITE_P(CAndLLVM, Backends, testing::Values(Backend::kC, Backend::kLLVM),
                         [](const testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kC ? "C" : "LLVM";
                         });

TEST_P(Backends, EveryWorkloadUnscheduled) {
  std::vector<std::pair<PrimFunc, PrimFunc>> cases;
  std::vector<std::string> labels;
  for (const std::string& spec : testing_util::small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    cases.push_back({f, f});
    labels.push_back(spec);
  }
  expect_compiled_match(cases, labels, GetParam());
}

TEST_P(Backends, RandomSchedulesCompileToTheSameResults) {
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
      labels.push_back(spec + " seed " + std::to_string(n) +
                       "\ntrace: " + sch.trace()->to_json_string());
    }
    expect_compiled_match(cases, labels, GetParam());
    if (HasFatalFailure()) return;
  }
}

// Every handwritten schedule of spaces/, on shapes of its operator chosen at random
// (small, often not multiples of the schedule's preferred tiles), compiled and checked.
TEST_P(Backends, HandwrittenSpacesMatchTheReferenceOnAnyShape) {
  const std::vector<std::pair<std::string, std::function<std::string(Random&)>>> spaces = {
      {"gemm_manual",
       [](Random& r) {
         return fmt::format("gemm:m={},n={},k={}", r.uniform_int(1, 40), r.uniform_int(1, 70),
                            r.uniform_int(1, 20));
       }},
      {"conv2d_nhwc_manual",
       [](Random& r) {
         return fmt::format("C2D:n={},h={},w={},ci={},co={},kernel={},stride={},pad={}",
                            r.uniform_int(1, 2), r.uniform_int(3, 9), r.uniform_int(3, 11),
                            r.uniform_int(1, 6), r.uniform_int(1, 40), r.uniform_int(1, 3),
                            r.uniform_int(1, 2), r.uniform_int(0, 1));
       }},
      {"depthwise_conv2d_manual",
       [](Random& r) {
         return fmt::format("DEP:n={},h={},w={},c={},kernel={},stride={},pad={}",
                            r.uniform_int(1, 2), r.uniform_int(3, 9), r.uniform_int(3, 11),
                            r.uniform_int(1, 40), r.uniform_int(1, 3), r.uniform_int(1, 2),
                            r.uniform_int(0, 1));
       }},
  };
  std::vector<std::pair<PrimFunc, PrimFunc>> cases;
  std::vector<std::string> labels;
  for (const auto& [space, shape] : spaces) {
    Random rng(space.size());
    for (int n = 0; n < 6; ++n) {
      std::string spec = shape(rng);
      PrimFunc f = workloads::get(spec).func;
      Schedule sch(f);
      find_space(space).apply(sch);
      cases.push_back({f, sch.func()});
      labels.push_back(space + " on " + spec);
    }
  }
  expect_compiled_match(cases, labels, GetParam());
}

TEST(SpaceRegistry, NamesAreUnique) {
  EXPECT_NE(testing_util::error_of([] {
              register_space("gemm_manual", "again", [](Schedule&) {});
            }).find("space 'gemm_manual' is registered twice"),
            std::string::npos);
  EXPECT_NE(testing_util::error_of([] {
              find_space("nope");
            }).find("no space named 'nope' (registered: conv2d_nhwc_manual, "),
            std::string::npos);
}

TEST(CBackend, ParallelAndVectorLoopsBecomePragmas) {
  PrimFunc f = workloads::get("gemm:m=64,n=32,k=8").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[0], l[2], l[1]});
  sch.parallel(l[0]);
  sch.vectorize(l[1]);
  LowerOptions scalar;
  scalar.vectorize = false;
  std::string source = emit_c({lower(sch.func(), scalar)});
  EXPECT_TRUE(has(source, "#pragma omp parallel for\n  for (int32_t i = 0; i < 64; ++i) {"))
      << source;
  EXPECT_TRUE(has(source, "#pragma omp simd\n")) << source;
  EXPECT_TRUE(has(source, "void gemm(float* restrict A, float* restrict B, float* restrict C) {"))
      << source;
  expect_compiled_match({{f, sch.func()}}, {"parallel gemm"});
}

TEST(CBackend, ClearErrors) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=4").func;
  EXPECT_NE(
      testing_util::error_of([&] {
        emit_c({f});
      }).find("C backend: parameter 'A' of 'gemm' is not flattened; lower the function first"),
      std::string::npos);
  PrimFunc half = workloads::get("gemm:m=4,n=4,k=4,dtype=float16").func;
  EXPECT_NE(testing_util::error_of([&] {
              emit_c({lower(half)});
            }).find("data type float16 has no C equivalent here"),
            std::string::npos);
  EXPECT_NE(testing_util::error_of([&] {
              CModule::compile("this is not C");
            }).find("C backend: the C compiler failed"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(LLVMBackend, ParallelLoopsRunOnThePoolAndVectorLoopsAskForTheirWidth) {
  PrimFunc f = workloads::get("gemm:m=64,n=32,k=8").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[0], l[2], l[1]});
  sch.parallel(l[0]);
  sch.vectorize(l[1]);
  PrimFunc lowered = lower(sch.func());
  EXPECT_TRUE(has(print(lowered),
                  "C[ramp(i * 32, 1, 32)] = C[ramp(i * 32, 1, 32)] + broadcast(A[i * 8 + k], 32) * "
                  "B[ramp(k * 32, 1, 32)]"))
      << print(lowered);
  LLVMModule m = LLVMModule::compile({lowered});
  EXPECT_NE(m.llvm_ir().find("tessera_parallel_for"), std::string::npos);
  EXPECT_NE(m.llvm_ir().find("<32 x float>"), std::string::npos) << "no 32-wide float vectors in:\n"
                                                                 << m.llvm_ir().substr(0, 4000);
  std::vector<NDArray> expected = make_random_arguments(f, 1), actual = make_random_arguments(f, 1);
  run_reference(f, expected);
  m.run("gemm", actual);
  EXPECT_TRUE(compare(actual[2], expected[2], 1e-5, 1e-5).match);
}

TEST(LLVMBackend, WritesAssemblyObjectsAndAHeader) {
  PrimFunc lowered = lower(workloads::get("gemm:m=8,n=16,k=4").func);
  std::string header = emit_c_header({lowered}, "gemm:m=8,n=16,k=4");
  EXPECT_TRUE(has(header, "/* Generated by tessera: gemm:m=8,n=16,k=4. */")) << header;
  EXPECT_TRUE(
      has(header, "/* gemm: A float32[32] B float32[64] C float32[128] (flattened, row-major) */"))
      << header;
  EXPECT_TRUE(has(header, "void gemm(float* restrict A, float* restrict B, float* restrict C);\n"))
      << header;
  EXPECT_TRUE(has(header,
                  "   without running it when args[i] is not 64-byte aligned. */\nint "
                  "gemm_packed(void** args);"))
      << header;
  std::string path = testing::TempDir() + "tessera_codegen_test.s";
  LLVMModule::write({lowered}, LLVMModule::OutputKind::kAssembly, path);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(text, "gemm_packed:")) << text.substr(0, 2000);
  std::remove(path.c_str());
  EXPECT_NE(testing_util::error_of([&] {
              LLVMModule::write({lowered}, LLVMModule::OutputKind::kObject, "/nonexistent-dir/k.o");
            }).find("cannot write /nonexistent-dir/k.o"),
            std::string::npos);
  // A library is linked from an object written next to it: the error names the library
  // and the missing directory, not the intermediate object.
  const std::string missing = testing_util::error_of([&] {
    LLVMModule::write({lowered}, LLVMModule::OutputKind::kSharedLibrary, "/nonexistent-dir/k.so");
  });
  EXPECT_NE(
      missing.find(
          "cannot write /nonexistent-dir/k.so: the directory /nonexistent-dir does not exist"),
      std::string::npos)
      << missing;
}

TEST(LLVMBackend, ClearErrors) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=4").func;
  EXPECT_NE(testing_util::error_of([&] {
              LLVMModule::compile({f});
            }).find("LLVM backend: parameter 'A' of 'gemm' is not flattened"),
            std::string::npos);
  LLVMModule m = LLVMModule::compile({lower(f)});
  std::vector<NDArray> args = make_random_arguments(f, 1);
  EXPECT_NE(testing_util::error_of([&] {
              m.run("nope", args);
            }).find("LLVM backend: the module has no function 'nope'"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
