// The backbone property test of the design spaces: programs sampled from every built-in
// space of the workload library (small shapes, including awkward prime extents) are
// postprocessed, lowered, compiled and run, and must match the unscheduled reference;
// replaying a sample's trace (after a JSON round trip) gives the same program.
// TESSERA_SPACE_SAMPLES=N sets the samples per workload (default 12: about 250
// programs per run; thousands behind the variable).
#include <gtest/gtest.h>

#include <cstdlib>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/correctness_check.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

int samples_per_workload() {
  const char* v = std::getenv("TESSERA_SPACE_SAMPLES");
  return v != nullptr ? std::max(1, std::atoi(v)) : 12;
}

// Samples `count` programs from ctx's space and checks each; returns how many were accepted.
int check_samples(TuneContext& ctx, int count) {
  fill_defaults(ctx);
  std::vector<Schedule> sketches = ctx.generate_design_space();
  EXPECT_FALSE(sketches.empty()) << ctx.workload.spec;
  if (sketches.empty()) return 0;
  ReferenceCache cache;
  int accepted = 0;
  SampleStatistics stats;
  for (int i = 0; i < count * 3 && accepted < count; ++i) {
    const Schedule& sketch = sketches[static_cast<size_t>(i) % sketches.size()];
    CandidateResult c = sample_candidate(*sketch.trace(), ctx.workload.func,
                                         static_cast<uint64_t>(i) + 1, ctx.postprocs);
    stats.record(c);
    if (!c.schedule) continue;
    ++accepted;
    const std::string trace_json = c.schedule->trace()->to_json_string();
    // Replay determinism: the stored trace gives the same program.
    Schedule again(ctx.workload.func);
    Trace::from_json_string(trace_json).apply(again);
    EXPECT_TRUE(structural_equal(again.func(), c.schedule->func())) << ctx.workload.spec << "\n"
                                                                    << trace_json;
    PrimFunc lowered = lower(c.schedule->func(), ctx.target);
    LLVMModule module = LLVMModule::compile({lowered});
    CheckResult r = check_correctness(
        ctx.workload.func, [&](std::vector<NDArray>& args) { module.run(lowered->name, args); },
        cache);
    EXPECT_TRUE(r.match) << ctx.workload.spec << ": " << r.summary() << "\ntrace: " << trace_json
                         << "\n"
                         << print(c.schedule->func());
  }
  EXPECT_GE(accepted, count) << ctx.workload.spec << ": " << stats.summary();
  return accepted;
}

class DefaultSpaceSampling : public ::testing::TestWithParam<const char*> {};

TEST_P(DefaultSpaceSampling, SampledProgramsMatchTheReference) {
  TuneContext ctx(workloads::get(GetParam()), Target::host());
  check_samples(ctx, samples_per_workload());
}

INSTANTIATE_TEST_SUITE_P(
    Library, DefaultSpaceSampling,
    ::testing::Values(
        "C1D:n=1,l=13,ci=5,co=7,kernel=3,stride=2,pad=1",
        "C2D:n=1,h=9,w=11,ci=5,co=6,kernel=3,stride=1,pad=1",
        "C3D:n=1,d=4,h=6,w=6,ci=3,co=4,kernel=3,stride=2,pad=1",
        "CAP:n=1,h=6,w=6,ci=2,co=2,kernel=3,stride=2,pad=1,capsule=2",
        "CBR:n=1,h=7,w=7,ci=4,co=8,kernel=3,stride=2,pad=1",
        "DEP:n=1,h=9,w=9,c=20,kernel=3,stride=2,pad=1",
        "DIL:n=1,h=10,w=10,ci=3,co=5,kernel=3,stride=1,pad=0,dilation=2", "GMM:b=2,n=12,m=20,k=9",
        "GRP:n=1,h=8,w=8,ci=8,co=8,kernel=3,stride=1,pad=1,groups=2", "NRM:b=2,m=9,n=16",
        "SFM:m=6,n=37", "T2D:n=1,h=3,w=3,ci=4,co=3,kernel=4,stride=2,pad=1",
        "TBG:batch=1,seq=8,heads=2,dim=8", "gemm:m=20,n=36,k=12,epilogue=bias_relu",
        "gemm:m=24,n=40,k=16", "layernorm:b=3,n=40", "pool:n=1,h=9,w=9,c=6,kernel=3,stride=2,pad=1",
        "softmax:m=3,n=70", "elementwise:m=5,n=37", "transpose:m=9,n=21", "dense:m=3,n=17,k=20"));

struct NamedSpace {
  const char* space;
  const char* workload;
};

class NamedSpaceSampling : public ::testing::TestWithParam<NamedSpace> {};

TEST_P(NamedSpaceSampling, SampledProgramsMatchTheReference) {
  TuneContext ctx(workloads::get(GetParam().workload), Target::host());
  ctx.space_generator = std::make_shared<ScheduleFnSpace>(GetParam().space);
  // A handwritten schedule has no decisions: one sample is all of it.
  check_samples(ctx,
                std::string(GetParam().space).ends_with("_manual") ? 1 : samples_per_workload());
}

INSTANTIATE_TEST_SUITE_P(
    Spaces, NamedSpaceSampling,
    ::testing::Values(
        NamedSpace{"gemm_template", "gemm:m=24,n=40,k=18"},
        NamedSpace{"gemm_template", "GMM:b=2,n=12,m=20,k=9"},
        NamedSpace{"conv2d_nhwc_template", "C2D:n=1,h=9,w=11,ci=5,co=6,kernel=3,stride=1,pad=1"},
        NamedSpace{"conv2d_nhwc_template", "CBR:n=1,h=7,w=7,ci=4,co=8,kernel=3,stride=2,pad=1"},
        NamedSpace{"depthwise_conv2d_template", "DEP:n=1,h=9,w=9,c=20,kernel=3,stride=2,pad=1"},
        NamedSpace{"gemm_manual", "gemm:m=24,n=40,k=18"},
        NamedSpace{"conv2d_nhwc_manual", "C2D:n=1,h=9,w=11,ci=5,co=6,kernel=3,stride=1,pad=1"},
        NamedSpace{"depthwise_conv2d_manual", "DEP:n=1,h=9,w=9,c=20,kernel=3,stride=2,pad=1"}));

}  // namespace
}  // namespace tessera
