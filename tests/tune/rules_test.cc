// The built-in schedule rules, alone and as the default list, on representative
// workloads (GEMM, conv2d, depthwise, softmax, a norm with little spatial parallelism,
// an elementwise chain): the sketches, printed as C++, must equal the golden files in
// tests/tune/golden/ (TESSERA_UPDATE_GOLDEN=1 rewrites them; review the diff). The
// target is fixed (an AVX-512 CPU with 2 cores) so the text is the same on every machine.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "../common/error_of.h"
#include "tessera/tune/builtin_rules.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

using testing_util::error_of;

const Target& fixed_target() {
  static const Target t = Target::parse("llvm -mcpu=skylake-avx512 -num-cores=2");
  return t;
}

std::string space_text(const std::string& workload,
                       std::vector<std::shared_ptr<ScheduleRule>> rules) {
  TuneContext ctx(workloads::get(workload), fixed_target());
  ctx.space_generator = std::make_shared<PostOrderApply>(std::move(rules));
  std::vector<Schedule> sketches = ctx.generate_design_space();
  std::string text = fmt::format("{} sketches\n", sketches.size());
  for (size_t k = 0; k < sketches.size(); ++k)
    text += fmt::format("// sketch {}\n{}", k, sketches[k].trace()->as_cpp());
  return text;
}

void expect_golden(const std::string& name, const std::string& text) {
  const std::string path = std::string(TESSERA_TEST_DATA) + "/tune/golden/" + name + ".txt";
  if (std::getenv("TESSERA_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path) << text;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path << " (run with TESSERA_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(text, expected.str()) << "sketches differ from " << path;
}

int sketch_count(const std::string& text) { return std::stoi(text.substr(0, text.find(' '))); }

TEST(MultiLevelTiling, GemmGivesThreeSketchesNoCacheAndACacheAtLevelsOneAndTwo) {
  std::string text = space_text("gemm:m=128,n=128,k=128", {make_multi_level_tiling()});
  EXPECT_EQ(sketch_count(text), 3);
  expect_golden("multi_level_tiling_gemm", text);
}

TEST(MultiLevelTiling, FusesAnElementwiseConsumerInsteadOfACache) {
  std::string text =
      space_text("gemm:m=64,n=64,k=64,epilogue=bias_relu", {make_multi_level_tiling()});
  EXPECT_EQ(sketch_count(text), 3);
  EXPECT_EQ(text.find("cache_write"), std::string::npos);
  expect_golden("multi_level_tiling_gemm_bias_relu", text);
}

TEST(MultiLevelTiling, LeavesSpatialBlocksAndReductionsWithoutReuseAlone) {
  EXPECT_EQ(space_text("elementwise:m=8,n=8", {make_multi_level_tiling()}),
            "1 sketches\n// sketch 0\n");
  // A norm reads every element once: no data reuse to tile for.
  EXPECT_EQ(sketch_count(space_text("NRM:b=1,m=8,n=8", {make_multi_level_tiling()})), 1);
  EXPECT_EQ(space_text("NRM:b=1,m=8,n=8", {make_multi_level_tiling()}).find("sample_perfect_tile"),
            std::string::npos);
}

TEST(MultiLevelTiling, RejectsABadStructure) {
  MultiLevelTilingOptions o;
  o.structure = "SXR";
  EXPECT_EQ(
      error_of([&] { make_multi_level_tiling(o); }),
      "MultiLevelTiling: structure 'SXR' must be a string of 'S' and 'R' with at least one 'S'");
  o.structure = "SSR";
  o.write_cache_levels = {4};
  EXPECT_EQ(error_of([&] { make_multi_level_tiling(o); }),
            "MultiLevelTiling: write cache level 4 is outside 1..3 (the levels of 'SSR')");
}

TEST(AutoInline, KeepsThePaddingOfAConvolution) {
  // Its if_then_else would be evaluated at every tap of the window.
  EXPECT_EQ(space_text("CBR:n=1,h=6,w=6,ci=4,co=8,kernel=3,stride=1,pad=1", {make_auto_inline()}),
            "1 sketches\n// sketch 0\n");
  AutoInlineOptions o;
  o.disallow_if_then_else = false;
  EXPECT_NE(space_text("CBR:n=1,h=6,w=6,ci=4,co=8,kernel=3,stride=1,pad=1", {make_auto_inline(o)})
                .find("compute_inline"),
            std::string::npos);
}

TEST(AutoInline, InlinesEverythingItCanInASpatialFunction) {
  std::string text = space_text("elementwise:m=8,n=8", {make_auto_inline()});
  expect_golden("auto_inline_elementwise", text);
}

TEST(AutoInline, KeepsTheExpOfASoftmax) {
  std::string text = space_text("SFM:m=8,n=8", {make_auto_inline()});
  EXPECT_EQ(text.find("compute_inline"), std::string::npos) << text;
}

TEST(AddRFactor, BranchesANormIntoRfactorOverEachPartAndTheOriginal) {
  std::string text = space_text("NRM:b=1,m=16,n=16", {make_add_rfactor()});
  EXPECT_EQ(sketch_count(text), 3);
  expect_golden("add_rfactor_norm", text);
}

TEST(AddRFactor, LeavesAGemmWithPlentyOfParallelismAlone) {
  EXPECT_EQ(sketch_count(space_text("gemm:m=128,n=128,k=128", {make_add_rfactor()})), 1);
}

TEST(ParallelizeVectorizeUnroll, AnnotatesTopLevelBlocksAndSamplesUnrollForReductions) {
  std::string text = space_text("SFM:m=8,n=8", {make_parallelize_vectorize_unroll()});
  expect_golden("parallelize_vectorize_unroll_softmax", text);
}

TEST(RandomComputeLocation, SamplesWhereThePaddingGoes) {
  std::string text = space_text("C2D:n=1,h=8,w=8,ci=4,co=8,kernel=3,stride=1,pad=1",
                                {make_random_compute_location()});
  EXPECT_NE(text.find("sample_compute_location"), std::string::npos);
  expect_golden("random_compute_location_conv2d", text);
}

TEST(LoopPartition, SplitsAnOddInnermostLoopByAMultipleOfTheVectorLength) {
  std::string text = space_text("elementwise:m=4,n=70", {make_loop_partition()});
  expect_golden("loop_partition_elementwise", text);
  EXPECT_NE(text.find("pragma_loop_partition"), std::string::npos);
  // A multiple of 16 floats (AVX-512) needs no partition.
  EXPECT_EQ(space_text("elementwise:m=4,n=64", {make_loop_partition()}).find("split"),
            std::string::npos);
}

TEST(RuleOptions, BadParametersAreErrorsNamingTheRule) {
  LoopPartitionOptions partition;
  partition.vector_multiples = {};
  EXPECT_EQ(error_of([&] { make_loop_partition(partition); }),
            "LoopPartition: vector_multiples is empty");
  partition.vector_multiples = {2, 0};
  EXPECT_EQ(error_of([&] { make_loop_partition(partition); }),
            "LoopPartition: vector multiple 0 is not positive");
  ParallelizeVectorizeUnrollOptions pvu;
  pvu.unroll_max_steps = {0, -16};
  EXPECT_EQ(error_of([&] { make_parallelize_vectorize_unroll(pvu); }),
            "ParallelizeVectorizeUnroll: unroll step -16 is negative");
}

TEST(DefaultRuleList, OnlyForCpuTargets) {
  Target gpu;
  gpu.kind = "cuda";  // not parseable yet; a hand-built target must still get a clear error
  EXPECT_EQ(error_of([&] { default_schedule_rules(gpu); }),
            "no default design space for target 'cuda' (llvm and c have one)");
}

class DefaultSpace : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(DefaultSpace, MatchesTheGoldenSketches) {
  expect_golden(std::string("default_") + GetParam().first,
                space_text(GetParam().second, default_schedule_rules(fixed_target())));
}

INSTANTIATE_TEST_SUITE_P(
    Workloads, DefaultSpace,
    ::testing::Values(std::make_pair("gemm", "gemm:m=128,n=128,k=128"),
                      std::make_pair("conv2d",
                                     "C2D:n=1,h=14,w=14,ci=16,co=32,kernel=3,stride=1,pad=1"),
                      std::make_pair("depthwise", "DEP:n=1,h=14,w=14,c=32,kernel=3,stride=1,pad=1"),
                      std::make_pair("softmax", "SFM:m=64,n=100"),
                      std::make_pair("norm", "NRM:b=1,m=32,n=32")),
    [](const auto& info) { return std::string(info.param.first); });

TEST(DefaultRuleList, SketchCountsForTheSuite) {
  // GEMM and conv2d: MultiLevelTiling's three sketches; softmax: the row reductions' rfactor
  // branches.
  EXPECT_EQ(
      sketch_count(space_text("gemm:m=128,n=128,k=128", default_schedule_rules(fixed_target()))),
      3);
  EXPECT_EQ(sketch_count(space_text("C2D:n=1,h=14,w=14,ci=16,co=32,kernel=3,stride=1,pad=1",
                                    default_schedule_rules(fixed_target()))),
            3);
  EXPECT_EQ(sketch_count(space_text("NRM:b=1,m=32,n=32", default_schedule_rules(fixed_target()))),
            3);
  EXPECT_EQ(sketch_count(space_text("SFM:m=64,n=100", default_schedule_rules(fixed_target()))), 9);
}

}  // namespace
}  // namespace tessera
