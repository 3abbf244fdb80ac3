// The built-in postprocessors (accepting and rejecting) and mutators (each changes one
// decision, the result replays, and nothing to change gives nullopt).
#include <gtest/gtest.h>

#include "../common/error_of.h"

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/annotation_keys.h"
#include "tessera/tune/builtin_mutators.h"
#include "tessera/tune/builtin_postprocs.h"
#include "tessera/tune/builtin_rules.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

const Target& two_cores() {
  static const Target t = Target::parse("llvm -mcpu=skylake-avx512 -num-cores=2");
  return t;
}

TEST(DisallowDynamicLoop, RejectsALoopWithAComputedExtent) {
  PrimFunc f = parse_prim_func(R"(func dyn(A: float32[16], N: int32[1]) {
  block root() {
    reads();
    writes();
    for i in range(0, N[0]) {
      block B(vi: spatial(0, 16) = i) {
        reads();
        writes(A[vi]);
        A[vi] = 1f32;
      }
    }
  }
})");
  Schedule sch(f);
  std::string reason;
  EXPECT_FALSE(make_disallow_dynamic_loop()->apply(sch, reason));
  EXPECT_EQ(reason, "loop 'i' has extent N[0], not a constant");
  Schedule gemm(workloads::get("gemm:m=8,n=8,k=8").func);
  EXPECT_TRUE(make_disallow_dynamic_loop()->apply(gemm, reason));
}

TEST(VerifyInBounds, RejectsAStorePastTheEndAndAcceptsGuardedAccesses) {
  PrimFunc f = parse_prim_func(R"(func shift(A: float32[16], B: float32[16]) {
  block root() {
    reads();
    writes();
    for i in range(0, 16) {
      block B(vi: spatial(0, 16) = i) {
        reads(A[vi]);
        writes(B[vi + 1]);
        B[vi + 1] = A[vi];
      }
    }
  }
})");
  Schedule sch(f);
  std::string reason;
  EXPECT_FALSE(make_verify_in_bounds()->apply(sch, reason));
  EXPECT_EQ(reason, "the store to 'B' at index 0 (i + 1) may reach [1, 16], outside [0, 16)");
  // The padding of a convolution reads its input under a condition; a non-divisible split
  // leaves a predicate: both are provably in bounds.
  Schedule conv(workloads::get("C2D:n=1,h=7,w=7,ci=3,co=5,kernel=3,stride=2,pad=1").func);
  BlockRV c = conv.get_block("conv");
  conv.split(conv.get_loops(c)[3], {std::nullopt, 4});
  EXPECT_TRUE(make_verify_in_bounds()->apply(conv, reason)) << reason;
}

TEST(RewriteParallelVectorizeUnroll, TurnsTheAnnotationsIntoLoops) {
  Schedule sch(workloads::get("gemm:m=64,n=48,k=32").func);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, 16});
  sch.reorder({l[0], j[0], l[2], j[1]});
  sch.annotate(c, annotation_key::kParallel, int64_t{32});
  sch.annotate(c, annotation_key::kVectorize, int64_t{64});
  sch.annotate(c, annotation_key::kUnroll, int64_t{16});
  std::string reason;
  ASSERT_TRUE(make_rewrite_parallel_vectorize_unroll()->apply(sch, reason));
  const std::string text = print(sch.func());
  EXPECT_TRUE(has(text,
                  "for i in parallel(0, 64) with {\"pragma_auto_unroll_max_step\": 16, "
                  "\"pragma_unroll_explicit\": 1}"))
      << text;  // 64 >= 32 jobs: one loop is enough
  EXPECT_TRUE(has(text, "in vectorized(0, 16)")) << text;
  EXPECT_FALSE(has(text, "tessera.parallel")) << text;
}

TEST(RewriteParallelVectorizeUnroll, FusesSmallOuterLoopsAndContiguousInnerOnes) {
  Schedule sch(workloads::get("elementwise:m=4,n=8").func);
  for (const char* name : {"add", "scale", "relu"}) {
    BlockRV b = sch.get_block(name);
    sch.annotate(b, annotation_key::kParallel, int64_t{32});
    sch.annotate(b, annotation_key::kVectorize, int64_t{64});
  }
  std::string reason;
  ASSERT_TRUE(make_rewrite_parallel_vectorize_unroll()->apply(sch, reason));
  const std::string text = print(sch.func());
  // 4 x 8 fits one vector: the vector loop wins over the parallel one.
  EXPECT_TRUE(has(text, "_fused in vectorized(0, 32)")) << text;
}

TEST(RewriteReductionBlock, DecomposesTheInitAndVectorizesIt) {
  Schedule sch(workloads::get("gemm:m=16,n=16,k=16").func);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[0], l[2], l[1]});  // i, k, j: the init gets a j loop of its own
  std::string reason;
  ASSERT_TRUE(make_rewrite_reduction_block()->apply(sch, reason));
  const std::string text = print(sch.func());
  EXPECT_TRUE(has(text, "block C_init(")) << text;
  EXPECT_TRUE(has(text, "in vectorized(0, 16) {\n        block C_init(")) << text;
  // Without a loop of its own (i, j, k), the init is decomposed but stays scalar.
  Schedule plain(workloads::get("gemm:m=16,n=16,k=16").func);
  ASSERT_TRUE(make_rewrite_reduction_block()->apply(plain, reason));
  EXPECT_TRUE(has(print(plain.func()), "block C_init(")) << print(plain.func());
  EXPECT_FALSE(has(print(plain.func()), "vectorized")) << print(plain.func());
}

// A sketch of `workload` from the given rules (the first one).
Trace sketch_of(const std::string& workload, std::vector<std::shared_ptr<ScheduleRule>> rules,
                size_t which = 0) {
  TuneContext ctx(workloads::get(workload), two_cores());
  ctx.space_generator = std::make_shared<PostOrderApply>(std::move(rules));
  return *ctx.generate_design_space().at(which).trace();
}

// The indices whose decision (or inputs) differ.
std::vector<size_t> changed(const Trace& a, const Trace& b) {
  std::vector<size_t> out;
  for (size_t i = 0; i < a.insts().size(); ++i) {
    const nlohmann::json* da = a.decision(i);
    const nlohmann::json* db = b.decision(i);
    if ((da == nullptr) != (db == nullptr) || (da != nullptr && *da != *db) ||
        a.insts()[i].inputs != b.insts()[i].inputs)
      out.push_back(i);
  }
  return out;
}

TEST(MutateTileSize, MovesAFactorBetweenLevelsOfOneTile) {
  const std::string w = "gemm:m=64,n=64,k=64";
  Trace parent = sketch_of(w, {make_multi_level_tiling()});
  auto mutator = make_mutate_tile_size();
  Random rng(3);
  for (int round = 0; round < 20; ++round) {
    std::optional<Trace> child = mutator->apply(parent, rng);
    ASSERT_TRUE(child);
    std::vector<size_t> diff = changed(parent, *child);
    ASSERT_EQ(diff.size(), 1u);
    std::vector<int64_t> before = parent.decision(diff[0])->get<std::vector<int64_t>>();
    std::vector<int64_t> after = child->decision(diff[0])->get<std::vector<int64_t>>();
    int64_t pb = 1, pa = 1;
    for (int64_t f : before) pb *= f;
    for (int64_t f : after) pa *= f;
    EXPECT_EQ(pa, pb);
    EXPECT_LE(after.back(), 64);
    EXPECT_TRUE(replay_candidate(*child, workloads::get(w).func, {}).schedule);
    parent = *child;
  }
  EXPECT_FALSE(mutator->apply(sketch_of("elementwise:m=4,n=8", {make_auto_inline()}), rng));
}

TEST(MutateUnroll, RedrawsTheUnrollStep) {
  Trace parent = sketch_of("gemm:m=32,n=32,k=32", {make_parallelize_vectorize_unroll()});
  Random rng(1);
  std::optional<Trace> child = make_mutate_unroll()->apply(parent, rng);
  ASSERT_TRUE(child);
  std::vector<size_t> diff = changed(parent, *child);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(parent.insts()[diff[0]].kind->name, "SampleCategorical");
  EXPECT_TRUE(replay_candidate(*child, workloads::get("gemm:m=32,n=32,k=32").func, {}).schedule);
  EXPECT_FALSE(make_mutate_unroll()->apply(
      sketch_of("gemm:m=32,n=32,k=32", {make_multi_level_tiling()}), rng));
}

TEST(MutateParallel, ChangesHowManyOuterLoopsAreFused) {
  const std::string w = "gemm:m=4,n=4,k=16";
  TuneContext ctx(workloads::get(w), two_cores());
  auto mutator = make_mutate_parallel();
  mutator->initialize(ctx);
  Trace parent = sketch_of(w, {make_parallelize_vectorize_unroll()});
  Random rng(2);
  std::optional<Trace> child = mutator->apply(parent, rng);
  ASSERT_TRUE(child);
  std::vector<size_t> diff = changed(parent, *child);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(parent.insts()[diff[0]].kind->name, "Annotate");
  std::vector<std::shared_ptr<Postproc>> rewrite{make_rewrite_parallel_vectorize_unroll()};
  CandidateResult before = replay_candidate(parent, ctx.workload.func, rewrite),
                  after = replay_candidate(*child, ctx.workload.func, rewrite);
  ASSERT_TRUE(before.schedule && after.schedule);
  // With a 32-job limit both 4-iteration loops are fused; the other choice keeps one.
  EXPECT_TRUE(has(print(before.schedule->func()), "i_j_fused in parallel(0, 16)"));
  EXPECT_TRUE(has(print(after.schedule->func()), "for i in parallel(0, 4)"))
      << print(after.schedule->func());
}

TEST(MutateComputeLocation, MovesTheSampledLocationToAnotherLegalOne) {
  const std::string w = "C2D:n=1,h=8,w=8,ci=4,co=8,kernel=3,stride=1,pad=1";
  TuneContext ctx(workloads::get(w), two_cores());
  auto mutator = make_mutate_compute_location();
  mutator->initialize(ctx);
  Trace parent = sketch_of(w, {make_random_compute_location()});
  Random rng(5);
  for (int round = 0; round < 5; ++round) {
    std::optional<Trace> child = mutator->apply(parent, rng);
    ASSERT_TRUE(child);
    std::vector<size_t> diff = changed(parent, *child);
    ASSERT_EQ(diff.size(), 1u);
    EXPECT_EQ(parent.insts()[diff[0]].kind->name, "SampleComputeLocation");
    EXPECT_TRUE(replay_candidate(*child, ctx.workload.func, {}).schedule);
    parent = *child;
  }
  EXPECT_FALSE(mutator->apply(sketch_of(w, {make_multi_level_tiling()}), rng));
}

TEST(Mutators, NeedingTheWorkloadSayWhenNotInitialized) {
  Random rng(0);
  Trace t = sketch_of("gemm:m=8,n=8,k=8", {make_parallelize_vectorize_unroll()});
  EXPECT_EQ(testing_util::error_of([&] { make_mutate_parallel()->apply(t, rng); }),
            "MutateParallel: not initialized with a tuning context");
  EXPECT_EQ(testing_util::error_of([&] { make_mutate_compute_location()->apply(t, rng); }),
            "MutateComputeLocation: not initialized with a tuning context");
}

TEST(Trace, WithInputsKeepsTheShapeOfTheInstruction) {
  Trace t = sketch_of("gemm:m=8,n=8,k=8", {make_parallelize_vectorize_unroll()});
  EXPECT_EQ(testing_util::error_of([&] { t.with_inputs(999, {}); }),
            "with_inputs: the trace has no instruction 999");
  EXPECT_EQ(testing_util::error_of([&] { t.with_inputs(0, {int64_t{1}}); }),
            "with_inputs: instruction 0 (GetBlock) takes 0 inputs, got 1");
  EXPECT_EQ(testing_util::error_of([&] { t.with_inputs(1, {int64_t{1}, int64_t{2}}); }),
            "with_inputs: input 0 of instruction 1 (Annotate) changes kind");
  EXPECT_EQ(t.prefix(1).insts().size(), 1u);
}

TEST(Candidates, AReplayFailureIsAnOutcomeWithItsReason) {
  Trace t = sketch_of("gemm:m=8,n=8,k=8", {make_multi_level_tiling()});
  CandidateResult c = sample_candidate(t, workloads::get("elementwise:m=4,n=4").func, 1,
                                       default_postprocs(two_cores()));
  EXPECT_FALSE(c.schedule);
  EXPECT_EQ(c.rejected_by, "replay");
  EXPECT_TRUE(has(c.reason, "no block named 'C'")) << c.reason;
  SampleStatistics stats;
  stats.record(c);
  stats.record(sample_candidate(t, workloads::get("gemm:m=8,n=8,k=8").func, 1, {}));
  EXPECT_TRUE(has(stats.summary(), "2 sampled, 1 accepted; rejected: replay 1 (for example: "))
      << stats.summary();
}

TEST(DefaultMutators, HaveTheCpuProbabilities) {
  auto mutators = default_mutators(two_cores());
  ASSERT_EQ(mutators.size(), 4u);
  double total = 0;
  for (const auto& [m, p] : mutators) total += p;
  EXPECT_DOUBLE_EQ(total, 1.0);
  EXPECT_DOUBLE_EQ(mutators[0].second, 0.9);
}

}  // namespace
}  // namespace tessera
