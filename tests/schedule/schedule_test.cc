// Tests of the scheduling DSL: primitives (IR, errors, semantics via the reference
// interpreter), traces (JSON round trip, replay, C++), samplers and determinism.
#include <gtest/gtest.h>

#include "../common/expect_program.h"

#include <fstream>
#include <set>
#include <sstream>

#include "../common/error_of.h"
#include "../common/same_results.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;
using testing_util::expect_same_results;

// The scheduled program computes what the original does (same random inputs).

// The handwritten schedule of DESIGN.md §9.
void gemm_simple(Schedule& sch) {
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> i = sch.split(l[0], {std::nullopt, 8});
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, 16});
  sch.reorder({i[0], j[0], l[2], i[1], j[1]});
  sch.parallel(sch.fuse({i[0], j[0]}));
  sch.vectorize(j[1]);
}

TEST(Schedule, HandwrittenGemm) {
  PrimFunc f = workloads::get("gemm:m=32,n=32,k=8").func;
  Schedule sch(f, 0, true, /*debug=*/true);
  gemm_simple(sch);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[32, 8], B: float32[8, 32], C: float32[32, 32]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i_0_j_0_fused in parallel(0, 8) {
          for k in range(0, 8) {
            for i_1 in range(0, 8) {
              for j_1 in vectorized(0, 16) {
                block C(vi: spatial(0, 32) = floordiv(i_0_j_0_fused, 2) * 8 + i_1, vj: spatial(0, 32) = floormod(i_0_j_0_fused, 2) * 16 + j_1, vk: reduce(0, 8) = k) {
                  reads(A[vi, vk], B[vk, vj]);
                  writes(C[vi, vj]);
                  init {
                    C[vi, vj] = 0f32;
                  }
                  C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
                }
              }
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(Schedule, NonDivisibleSplitAddsAPredicate) {
  PrimFunc f = workloads::get("gemm:m=10,n=6,k=5").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.split(l[0], {std::nullopt, 4});
  sch.split(l[2], {2, 3});
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[10, 5], B: float32[5, 6], C: float32[10, 6]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i_0 in range(0, 3) {
          for i_1 in range(0, 4) {
            for j in range(0, 6) {
              for k_0 in range(0, 2) {
                for k_1 in range(0, 3) {
                  block C(vi: spatial(0, 10) = i_0 * 4 + i_1, vj: spatial(0, 6) = j, vk: reduce(0, 5) = k_0 * 3 + k_1) where i_0 * 4 + i_1 < 10 && k_0 * 3 + k_1 < 5 {
                    reads(A[vi, vk], B[vk, vj]);
                    writes(C[vi, vj]);
                    init {
                      C[vi, vj] = 0f32;
                    }
                    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
                  }
                }
              }
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(Schedule, TraceRoundTripsThroughJsonAndCpp) {
  PrimFunc f = workloads::get("gemm:m=32,n=32,k=8").func;
  Schedule sch(f, 7);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<ExprRV> t = sch.sample_perfect_tile(l[1], 2, 8);
  std::vector<LoopRV> j = sch.split(l[1], t);
  sch.annotate(j[0], "pragma_auto_unroll_max_step",
               sch.sample_categorical({0, 16, 64}, {0.4, 0.3, 0.3}));
  sch.annotate(c, "tessera.tiling_structure", std::string("SSRSRS"));
  sch.unroll(j[1]);
  const Trace& trace = *sch.trace();
  std::string json = trace.to_json_string();
  Trace back = Trace::from_json_string(json);
  EXPECT_EQ(back.to_json_string(), json);
  Schedule replay(f);
  back.apply(replay);
  EXPECT_TRUE(structural_equal(replay.func(), sch.func()));
  EXPECT_EQ(replay.trace()->to_json_string(), json);
  // The JSON has exactly DESIGN.md's shape.
  const std::string prefix =
      R"({"decisions":[[2,[32,1]],[4,2]],"insts":[["GetBlock",[],["C"],["b0"]],["GetLoops",["b0"],[],)";
  EXPECT_EQ(json.substr(0, prefix.size()), prefix);
  std::string cpp = trace.as_cpp();
  EXPECT_NE(cpp.find("BlockRV b0 = sch.get_block(\"C\");"), std::string::npos) << cpp;
  EXPECT_NE(cpp.find("sch.sample_perfect_tile(l2, 2, 8, std::vector<int64_t>{32, 1})"),
            std::string::npos)
      << cpp;
  EXPECT_NE(cpp.find("sch.annotate(b0, \"tessera.tiling_structure\", std::string(\"SSRSRS\"));"),
            std::string::npos)
      << cpp;
  expect_same_results(f, replay.func());
}

// The template of DESIGN.md §9.
void gemm_template(Schedule& sch) {
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> i = sch.split(l[0], sch.sample_perfect_tile(l[0], 3, 16));
  std::vector<LoopRV> j = sch.split(l[1], sch.sample_perfect_tile(l[1], 3, 64));
  sch.reorder({i[0], j[0], i[1], j[1], l[2], i[2], j[2]});
  sch.parallel(sch.fuse({i[0], j[0]}));
  sch.vectorize(j[2]);
  sch.annotate(i[1], "pragma_auto_unroll_max_step",
               sch.sample_categorical({0, 16, 64}, {0.4, 0.3, 0.3}));
}

TEST(Schedule, TemplatesAreDeterministicPerSeed) {
  PrimFunc f = workloads::get("gemm:m=64,n=64,k=16").func;
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Schedule a(f, seed), b(f, seed);
    gemm_template(a);
    gemm_template(b);
    ASSERT_EQ(a.trace()->to_json_string(), b.trace()->to_json_string());
    ASSERT_TRUE(structural_equal(a.func(), b.func()));
    distinct.insert(a.trace()->to_json_string());
    if (seed < 4) expect_same_results(f, a.func(), seed);
  }
  EXPECT_GT(distinct.size(), 10u);
}

TEST(Schedule, ReplayIsStrictUnlessAskedToRepair) {
  PrimFunc f = workloads::get("gemm:m=64,n=64,k=16").func;
  Schedule sch(f, 1);
  gemm_template(sch);
  // The same trace on a workload whose i extent is 48: tile [a, b, c] no longer multiplies to it.
  PrimFunc g = workloads::get("gemm:m=48,n=64,k=16").func;
  Schedule strict(g);
  std::string message = error_of([&] { sch.trace()->apply(strict); });
  EXPECT_NE(message.find("sample_perfect_tile: decision ["), std::string::npos) << message;
  EXPECT_NE(message.find("not to the extent 48 of loop 'i'"), std::string::npos) << message;
  EXPECT_NE(message.find("in instruction 2 (SamplePerfectTile) of the trace"), std::string::npos)
      << message;
  Schedule repaired(g);
  sch.trace()->apply(repaired, false, ReplayMode::kRepair);
  const nlohmann::json* d = repaired.trace()->decision(2);
  ASSERT_NE(d, nullptr);
  int64_t product = 1;
  for (const auto& x : *d) product *= x.get<int64_t>();
  EXPECT_EQ(product, 48);
  EXPECT_LE((*d)[2].get<int64_t>(), 16);
  expect_same_results(g, repaired.func());
}

TEST(Schedule, ErrorsNameThePrimitiveAndMarkTheIr) {
  PrimFunc f = workloads::get("gemm:m=16,n=16,k=16").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  std::string message = error_of([&] { sch.get_block("D"); });
  EXPECT_NE(message.find("get_block: no block named 'D'; the blocks are: C"), std::string::npos)
      << message;
  message = error_of([&] { sch.split(l[0], {3, 4}); });
  EXPECT_NE(
      message.find("split: factors [3, 4] multiply to 12, less than the extent 16 of loop 'i'"),
      std::string::npos);
  EXPECT_NE(message.find("for i in range(0, 16) {  # <== error: split"), std::string::npos)
      << message;
  EXPECT_NE(error_of([&] {
              sch.split(l[0], {std::nullopt, std::nullopt});
            }).find("at most one factor may be inferred"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { sch.split(l[0], {0, 16}); }).find("factor 0 is 0; factors must be positive"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.fuse({l[0], l[2]});
            }).find("loop 'k' is not the only statement in the body of loop 'i'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sch.parallel(l[2]); })
                .find("parallel: loop 'k' binds the reduction variable 'vk' of block 'C'; running "
                      "its iterations concurrently would race"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { sch.bind(l[0], "threadIdx.w"); }).find("unknown thread axis 'threadIdx.w'"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.annotate(l[0], "tessera.parallel", int64_t{4});
            }).find("annotate: loop 'i': annotation 'tessera.parallel' applies to blocks only"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.annotate(l[0], "pragma_unrol", int64_t{4});
            }).find("unknown reserved annotation key 'pragma_unrol'"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { sch.unannotate(l[0], "note"); }).find("loop 'i' has no annotation 'note'"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.sample_perfect_tile(l[0], 2, 4, std::vector<int64_t>{2, 8});
            }).find("decision [2, 8] has innermost factor 8 above the limit 4"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.sample_categorical({1, 2}, {0.5});
            }).find("2 candidates but 1 probabilities"),
            std::string::npos);
  // Stale references are detected.
  std::vector<LoopRV> parts = sch.split(l[0], {4, 4});
  EXPECT_NE(error_of([&] {
              sch.vectorize(l[0]);
            }).find("loop 'i' no longer exists (it was split, fused or removed)"),
            std::string::npos);
  sch.vectorize(parts[1]);
}

TEST(Schedule, FailingPrimitivesChangeNothing) {
  PrimFunc f = workloads::get("gemm:m=16,n=16,k=16").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  const PrimFunc before = sch.func();
  const std::string trace_before = sch.trace()->to_json_string();
  EXPECT_THROW(sch.split(l[0], {3, 4}), ScheduleError);
  EXPECT_THROW(sch.reorder({l[0], l[0]}), ScheduleError);
  EXPECT_THROW(sch.parallel(l[2]), ScheduleError);
  EXPECT_THROW(sch.fuse({l[1], l[0]}), ScheduleError);
  EXPECT_TRUE(sch.func().same_as(before));
  EXPECT_EQ(sch.trace()->to_json_string(), trace_before);
  sch.reorder({l[2], l[0]});  // the references still work
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[16, 16], B: float32[16, 16], C: float32[16, 16]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for k in range(0, 16) {
          for j in range(0, 16) {
            for i in range(0, 16) {
              block C(vi: spatial(0, 16) = i, vj: spatial(0, 16) = j, vk: reduce(0, 16) = k) {
                reads(A[vi, vk], B[vk, vj]);
                writes(C[vi, vj]);
                init {
                  C[vi, vj] = 0f32;
                }
                C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
              }
            }
          }
        }
      }
    }
  )"));
}

TEST(Schedule, NavigationFindsProducersAndConsumers) {
  PrimFunc f = workloads::get("SFM:m=4,n=8").func;
  Schedule sch(f);
  BlockRV e = sch.get_block("row_exp");
  std::vector<BlockRV> producers = sch.get_producers(e), consumers = sch.get_consumers(e);
  ASSERT_EQ(producers.size(), 1u);
  EXPECT_EQ(sch.get(producers[0])->name, "row_max");
  ASSERT_EQ(consumers.size(), 2u);
  EXPECT_EQ(sch.get(consumers[0])->name, "row_sum");
  EXPECT_EQ(sch.get(consumers[1])->name, "softmax");
  std::vector<LoopRV> loops = sch.get_loops(e);
  EXPECT_EQ(sch.get_child_blocks(loops[0]).size(), 1u);
  // One definition: the state's lists, which the primitives, the rules and the invariant
  // checks share, and which follow the program as it changes.
  const ScheduleState& state = sch.state();
  EXPECT_EQ(state.producers(sch.get(e)), std::vector<const BlockNode*>{sch.get(producers[0])});
  EXPECT_EQ(state.consumers(sch.get(e)).size(), 2u);
  EXPECT_TRUE(state.producers(state.find_block("row_max")->block).empty());
  EXPECT_TRUE(state.consumers(state.find_block("softmax")->block).empty());
  // After decompose_reduction the init block is row_sum's producer too: it comes before
  // it and writes what the update reads.
  sch.decompose_reduction(sch.get_block("row_sum"), sch.get_loops(sch.get_block("row_sum"))[1]);
  std::vector<std::string> names;
  for (const BlockNode* b : sch.state().producers(sch.state().find_block("row_sum")->block))
    names.push_back(b->name);
  EXPECT_EQ(names, (std::vector<std::string>{"row_exp", "row_sum_init"}));
}

void from_as_cpp(Schedule& sch) {
#include "as_cpp_gemm_template.inc"
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Trace, AsCppCompilesAndReproducesTheSchedule) {
  const std::string dir = TESSERA_TEST_DATA;
  Trace trace = Trace::from_json_string(read_text(dir + "/tools/gemm_template_trace.json"));
  EXPECT_EQ(trace.as_cpp(), read_text(dir + "/schedule/as_cpp_gemm_template.inc"))
      << "regenerate the .inc with: build/tools/tessera show tests/tools/gemm_template_trace.json";
  PrimFunc f = workloads::get("gemm:m=64,n=64,k=16").func;
  Schedule replayed(f), handwritten(f);
  trace.apply(replayed);
  from_as_cpp(handwritten);
  EXPECT_TRUE(structural_equal(replayed.func(), handwritten.func()));
  EXPECT_EQ(replayed.trace()->to_json_string(), handwritten.trace()->to_json_string());
  expect_same_results(f, handwritten.func());
}

// Stage pipeline: a block may be followed by a writer of what it reads only when that
// writer provably touches other elements.
TEST(ScheduleState, StagePipelineLooksAtRegions) {
  auto program = [](int w2_begin) {
    return parse_prim_func(fmt::format(R"(func f(A: float32[8], C: float32[4]) {{
  block root() {{
    reads();
    writes();
    alloc B: float32[8];
    for i in range(0, 4) {{
      block W1(v: spatial(0, 8) = i) {{
        reads(A[v]);
        writes(B[v]);
        B[v] = A[v];
      }}
    }}
    for j in range(0, 4) {{
      block R(v: spatial(0, 4) = j) {{
        reads(B[v]);
        writes(C[v]);
        C[v] = B[v];
      }}
    }}
    for k in range(0, 4) {{
      block W2(v: spatial(0, 8) = k + {}) {{
        reads(A[v]);
        writes(B[v]);
        B[v] = A[v] * 2f32;
      }}
    }}
  }}
}}
)",
                                       w2_begin));
  };
  Schedule disjoint(program(4), 0, true, /*debug=*/true);  // W2 writes B[4:8): fine
  EXPECT_TRUE(disjoint.state().stage_pipeline(*disjoint.state().find_block("R")));
  EXPECT_NE(
      error_of([&] {
        Schedule overlap(program(2), 0, true, true);
      }).find("invariant broken: block 'R' reads a buffer that a later block of its scope writes"),
      std::string::npos);
}

TEST(Trace, RejectsMalformedJson) {
  EXPECT_NE(error_of([] { Trace::from_json_string("{"); }).find("trace is not valid JSON"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Trace::from_json_string(R"({"version":2,"insts":[]})");
            }).find("version 2 is not supported"),
            std::string::npos);
  EXPECT_NE(
      error_of([] {
        Trace::from_json_string(R"({"version":1,"insts":[["Splitt",[],[],[]]],"decisions":[]})");
      }).find("trace instruction 0: unknown instruction kind 'Splitt'"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              Trace::from_json_string(
                  R"({"version":1,"insts":[["GetLoops",["b0"],[],["l1"]]],"decisions":[]})");
            }).find("input 'b0' is not made by an earlier instruction"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Trace::from_json_string(
                  R"({"version":1,"insts":[["GetBlock",[],["C"],["b0"]]],"decisions":[[0,1]]})");
            }).find("decision for instruction 0, which is not a sampling instruction"),
            std::string::npos);
  // A trace that does not fit the workload names the instruction.
  Trace t = Trace::from_json_string(
      R"({"version":1,"insts":[["GetBlock",[],["D"],["b0"]]],"decisions":[]})");
  Schedule sch(workloads::get("gemm:m=8,n=8,k=8").func);
  std::string message = error_of([&] { t.apply(sch); });
  EXPECT_NE(message.find("get_block: no block named 'D'"), std::string::npos) << message;
  EXPECT_NE(message.find("in instruction 0 (GetBlock) of the trace"), std::string::npos) << message;
}

// Inputs and attributes are read by the types the primitive declares (instruction_traits.h):
// each mistake names the instruction, the argument and what it must be.
TEST(Trace, MalformedInstructionsNameTheArgument) {
  auto replay_error = [](const std::string& insts, const std::string& decisions = "[]") {
    Trace t = Trace::from_json_string(
        fmt::format(R"({{"version":1,"insts":{},"decisions":{}}})", insts, decisions));
    Schedule sch(workloads::get("gemm:m=8,n=8,k=8").func);
    return error_of([&] { t.apply(sch); });
  };
  const std::string get_c =
      R"(["GetBlock",[],["C"],["b0"]],["GetLoops",["b0"],[],["l1","l2","l3"]])";
  struct Case {
    std::string instruction, decisions, expected;
  };
  std::vector<Case> cases = {
      {R"(["CacheRead",["b0"],["x","global"],["b4"]])", "[]",
       "CacheRead: attribute 0 (buffer index) must be an integer, got \"x\""},
      {R"(["CacheRead",["b0"],[0],["b4"]])", "[]",
       "CacheRead: attribute 1 (scope) is missing; it must be a string"},
      {R"(["CacheRead",["b0"],[0,"global",7],["b4"]])", "[]",
       "CacheRead: takes 2 attribute(s), got 3"},
      {R"(["Vectorize",["b0"],[],[]])", "[]",
       "Vectorize: input 0 (loop) must be a loop random variable"},
      {R"(["Vectorize",["l3","l2"],[],[]])", "[]", "Vectorize: takes 1 input(s), got 2"},
      {R"(["Split",["l3","b0"],[],["l4"]])", "[]",
       "Split: input 1 (factors) must be an integer, an integer random variable or null"},
      {R"(["ComputeAt",["b0","l1"],[2],[]])", "[]",
       "ComputeAt: attribute 0 (preserve_unit_loops) must be 0 or 1, got 2"},
      {R"(["ReIndex",["b0"],[0,"both"],["b4"]])", "[]",
       "ReIndex: attribute 1 (buffer index kind) must be \"read\" or \"write\", got \"both\""},
      {R"(["SamplePerfectTile",["l3"],[2,"8"],["v4","v5"]])", "[]",
       "SamplePerfectTile: attribute 1 (max_innermost_factor) must be an integer, got \"8\""},
      {R"(["SamplePerfectTile",["l3"],[2,8],["v4","v5"]])", "[[2,\"x\"]]",
       "SamplePerfectTile: the decision must be a list of integers, got \"x\""},
      {R"(["SampleCategorical",[],[[1,2],[0.5,"a"]],["v4"]])", "[]",
       "SampleCategorical: attribute 1 (probabilities) must be a list of numbers"},
  };
  for (const Case& c : cases) {
    std::string insts = fmt::format("[{},{}]", get_c, c.instruction);
    std::string message;
    try {
      message = replay_error(insts, c.decisions);
    } catch (const std::exception& e) {
      message = e.what();  // the JSON itself is rejected
    }
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.instruction << "\n" << message;
  }
}

TEST(Trace, SimplifiedDropsUnusedPureInstructions) {
  Schedule sch(workloads::get("gemm:m=8,n=8,k=8").func);
  BlockRV c = sch.get_block("C");
  sch.get_loops(c);                            // unused
  sch.sample_categorical({1, 2}, {0.5, 0.5});  // unused
  std::vector<LoopRV> l = sch.get_loops(c);
  sch.unroll(l[2]);
  sch.enter_postproc();
  sch.vectorize(l[1]);
  Trace s = sch.trace()->simplified(/*remove_postproc=*/true);
  std::vector<std::string> kinds;
  for (const Instruction& i : s.insts()) kinds.push_back(i.kind->name);
  EXPECT_EQ(kinds, (std::vector<std::string>{"GetBlock", "GetLoops", "Unroll"}));
  EXPECT_EQ(sch.trace()->simplified(false).insts().size(), 5u);  // EnterPostproc and Vectorize stay
}

}  // namespace
}  // namespace tessera
