// Regression tests for the bugs the random-schedule property test found; each failed
// before its fix.
#include <gtest/gtest.h>

#include "../common/expect_program.h"
#include "../common/error_of.h"
#include "../common/same_results.h"
#include "tessera/ir/printer.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;
using testing_util::expect_same_results;

TEST(Regression, CacheReadGoesAfterAProducerMovedIntoTheSameNest) {
  PrimFunc f = workloads::get("gemm:m=6,n=5,k=7,epilogue=bias_relu").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> d = sch.get_loops(sch.get_block("D"));
  sch.compute_at(sch.get_block("C"), d[1]);
  sch.cache_read(sch.get_block("D"), 0,
                 "local");  // C is computed inside D's nest: copy after it, per iteration
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[6, 7], B: float32[7, 5], bias: float32[5], D: float32[6, 5]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc C: float32[6, 5];
        alloc C_local: float32[6, 5] scope "local";
        for i in range(0, 6) {
          for j in range(0, 5) {
            for ax0 in range(0, 7) {
              block C(vi: spatial(0, 6) = i, vj: spatial(0, 5) = j, vk: reduce(0, 7) = ax0) {
                reads(A[vi, vk], B[vk, vj]);
                writes(C[vi, vj]);
                init {
                  C[vi, vj] = 0f32;
                }
                C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
              }
            }
            for ax0_1 in range(0, 1) {
              for ax1 in range(0, 1) {
                block C_local(v0: spatial(0, 6) = i + ax0_1, v1: spatial(0, 5) = j + ax1) {
                  reads(C[v0, v1]);
                  writes(C_local[v0, v1]);
                  C_local[v0, v1] = C[v0, v1];
                }
              }
            }
            block D(vi_1: spatial(0, 6) = i, vj_1: spatial(0, 5) = j) {
              reads(C_local[vi_1, vj_1], bias[vj_1]);
              writes(D[vi_1, vj_1]);
              D[vi_1, vj_1] = max(C_local[vi_1, vj_1] + bias[vj_1], 0f32);
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(Regression, DecomposedUpdateListsTheBufferItAccumulatesInto) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=4,epilogue=bias_relu").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  BlockRV init = sch.decompose_reduction(c, sch.get_loops(c)[0]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[4, 4], B: float32[4, 4], bias: float32[4], D: float32[4, 4]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc C: float32[4, 4];
        for i_init in range(0, 4) {
          for j_init in range(0, 4) {
            block C_init(vi: spatial(0, 4) = i_init, vj: spatial(0, 4) = j_init) {
              reads();
              writes(C[vi, vj]);
              C[vi, vj] = 0f32;
            }
          }
        }
        for i in range(0, 4) {
          for j in range(0, 4) {
            for k in range(0, 4) {
              block C(vi_1: spatial(0, 4) = i, vj_1: spatial(0, 4) = j, vk: reduce(0, 4) = k) {
                reads(C[vi_1, vj_1], A[vi_1, vk], B[vk, vj_1]);
                writes(C[vi_1, vj_1]);
                C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk] * B[vk, vj_1];
              }
            }
          }
        }
        for i_1 in range(0, 4) {
          for j_1 in range(0, 4) {
            block D(vi_2: spatial(0, 4) = i_1, vj_2: spatial(0, 4) = j_1) {
              reads(C[vi_2, vj_2], bias[vj_2]);
              writes(D[vi_2, vj_2]);
              D[vi_2, vj_2] = max(C[vi_2, vj_2] + bias[vj_2], 0f32);
            }
          }
        }
      }
    }
  )"));
  // So the init block is seen as C's producer, and cannot be moved after it.
  EXPECT_NE(error_of([&] {
              sch.compute_at(init, sch.get_loops(sch.get_block("D"))[0]);
            }).find("also reads 'C' but is not under loop"),
            std::string::npos);
  // And the update cannot be moved: it would accumulate more than once.
  EXPECT_NE(
      error_of([&] {
        sch.compute_at(c, sch.get_loops(sch.get_block("D"))[1]);
      }).find("block 'C' reads 'C', which it also writes (a reduction update without its init)"),
      std::string::npos);
}

TEST(Regression, DecomposeReductionKeepsOnlySpatialPredicates) {
  PrimFunc f = workloads::get("dense:m=4,n=6,k=8").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  sch.split(l[2], {std::nullopt, 3});  // predicate on the reduction: k_0 * 3 + k_1 < 8
  sch.decompose_reduction(c, sch.get_loops(c)[1]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func dense_int8(A: uint8[4, 8], B: int8[6, 8], C: int32[4, 6]) with {"global_symbol": "dense_int8"} {
      block root() {
        reads();
        writes();
        for i in range(0, 4) {
          for j_init in range(0, 6) {
            block C_init(vi: spatial(0, 4) = i, vj: spatial(0, 6) = j_init) {
              reads();
              writes(C[vi, vj]);
              C[vi, vj] = 0;
            }
          }
          for j in range(0, 6) {
            for k_0 in range(0, 3) {
              for k_1 in range(0, 3) {
                block C(vi_1: spatial(0, 4) = i, vj_1: spatial(0, 6) = j, vk: reduce(0, 8) = k_0 * 3 + k_1) where k_0 * 3 + k_1 < 8 {
                  reads(C[vi_1, vj_1], A[vi_1, vk], B[vj_1, vk]);
                  writes(C[vi_1, vj_1]);
                  C[vi_1, vj_1] = C[vi_1, vj_1] + cast(int32, A[vi_1, vk]) * cast(int32, B[vj_1, vk]);
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

TEST(Regression, DecomposeReductionRefusesRepeatedPoints) {
  PrimFunc f = workloads::get("layernorm:b=3,n=6").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("layernorm"));
  sch.compute_at(sch.get_block("row_sum_sq"),
                 sch.fuse({l[0], l[1]}));  // recomputed 6 times per row: fine with its init
  BlockRV sq = sch.get_block("row_sum_sq");
  EXPECT_NE(error_of([&] {
              sch.decompose_reduction(sq, sch.get_loops(sq)[0]);
            }).find("may run more than once per iteration point"),
            std::string::npos);
  expect_same_results(f, sch.func());
}

TEST(Regression, ProducerCannotRunBetweenTheStepsOfAnAccumulation) {
  PrimFunc f = workloads::get("C1D:n=1,l=9,ci=2,co=3,kernel=3,stride=2,pad=1").func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  BlockRV init = sch.decompose_reduction(conv, sch.get_loops(conv)[0]);
  std::vector<LoopRV> l = sch.get_loops(conv);
  EXPECT_NE(error_of([&] {
              sch.compute_at(init, l[4]);
            }).find("loop 'rl' iterates the reduction of block 'conv'"),
            std::string::npos);
  sch.compute_at(init, l[2]);  // outside the reduction loops: fine
  expect_same_results(f, sch.func());
}

TEST(Regression, SplitGuardsBlocksWhoseBindingsDoNotUseTheLoop) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=2").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  std::vector<LoopRV> k = sch.split(l[2], {std::nullopt, 4});  // k_0 has extent 1: bindings drop it
  sch.split(k[0], {std::nullopt, 3});  // overshoots: every block under it needs the guard
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[4, 2], B: float32[2, 4], C: float32[4, 4]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in range(0, 4) {
          for j in range(0, 4) {
            for k_0_0 in range(0, 1) {
              for k_0_1 in range(0, 3) {
                for k_1 in range(0, 4) {
                  block C(vi: spatial(0, 4) = i, vj: spatial(0, 4) = j, vk: reduce(0, 2) = k_1) where k_1 < 2 && k_0_1 < 1 {
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

TEST(Regression, ReverseComputeAtCannotOvertakeAnotherProducer) {
  PrimFunc f = workloads::get("layernorm:b=3,n=6").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("row_sum"));
  EXPECT_NE(error_of([&] {
              sch.reverse_compute_at(sch.get_block("layernorm"), l[0]);
            }).find("block 'row_sum_sq' runs between block 'layernorm' and loop 'i'"),
            std::string::npos);
}

TEST(Regression, CacheReadRefusesABlockThatWritesTheBuffer) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=4").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  sch.decompose_reduction(c, sch.get_loops(c)[0]);
  EXPECT_NE(
      error_of([&] { sch.cache_read(c, 0, "local"); }).find("block 'C' both reads and writes 'C'"),
      std::string::npos);
}

TEST(Regression, RFactorRefusesASharedNest) {
  PrimFunc f = workloads::get("NRM:b=2,m=3,n=4").func;
  Schedule sch(f, 0, true, true);
  sch.compute_at(sch.get_block("sum_sq"), sch.get_loops(sch.get_block("norm"))[0],
                 /*preserve_unit_loops=*/true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("sum_sq"));
  EXPECT_NE(error_of([&] {
              sch.rfactor(l.back(), 0);
            }).find("block 'sum_sq' shares its outer loops with other blocks"),
            std::string::npos);
}

TEST(Regression, ReorderKeepsLoopsThatMixSpatialAndReduction) {
  PrimFunc f = workloads::get("dense:m=4,n=6,k=8").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  LoopRV jk = sch.fuse({l[1], l[2]});
  std::vector<LoopRV> parts = sch.split(jk, {8, 6});
  EXPECT_NE(error_of([&] { sch.reorder({parts[1], parts[0]}); })
                .find("reorder: loop 'j_k_fused_0' feeds both spatial and reduction variables of "
                      "block 'C'"),
            std::string::npos);
  expect_same_results(f, sch.func());
}

TEST(Regression, CacheWriteCopiesBackBeforeTheNextReaderInASharedLoop) {
  PrimFunc f = workloads::get("gemm:m=6,n=5,k=7,epilogue=bias_relu").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  sch.compute_at(c, sch.get_loops(sch.get_block("D"))[0]);
  std::vector<LoopRV> l = sch.get_loops(c);
  BlockRV init = sch.decompose_reduction(c, l[2]);  // C_init and C now share loop ax0
  sch.cache_write(init, 0, "shared");               // the copy-back must come before C's loop
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[6, 7], B: float32[7, 5], bias: float32[5], D: float32[6, 5]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc C: float32[6, 5];
        alloc C_shared: float32[6, 5] scope "shared";
        for i in range(0, 6) {
          for ax0 in range(0, 5) {
            block C_init(vi: spatial(0, 6) = i, vj: spatial(0, 5) = ax0) {
              reads();
              writes(C_shared[vi, vj]);
              C_shared[vi, vj] = 0f32;
            }
            for ax0_1 in range(0, 1) {
              for ax1 in range(0, 1) {
                block C_shared(v0: spatial(0, 6) = i + ax0_1, v1: spatial(0, 5) = ax0 + ax1) {
                  reads(C_shared[v0, v1]);
                  writes(C[v0, v1]);
                  C[v0, v1] = C_shared[v0, v1];
                }
              }
            }
            for ax1_1 in range(0, 7) {
              block C(vi_1: spatial(0, 6) = i, vj_1: spatial(0, 5) = ax0, vk: reduce(0, 7) = ax1_1) {
                reads(C[vi_1, vj_1], A[vi_1, vk], B[vk, vj_1]);
                writes(C[vi_1, vj_1]);
                C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk] * B[vk, vj_1];
              }
            }
          }
          for j in range(0, 5) {
            block D(vi_2: spatial(0, 6) = i, vj_2: spatial(0, 5) = j) {
              reads(C[vi_2, vj_2], bias[vj_2]);
              writes(D[vi_2, vj_2]);
              D[vi_2, vj_2] = max(C[vi_2, vj_2] + bias[vj_2], 0f32);
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(Regression, RFactorRefusesAPredicatedLoop) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=6").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> k = sch.split(sch.get_loops(sch.get_block("C"))[2], {std::nullopt, 4});
  EXPECT_NE(error_of([&] { sch.rfactor(k[1], 0); }).find("block 'C' has a predicate on loop 'k_1'"),
            std::string::npos);
}

TEST(Regression, InitMovedUnderALoopMustNotReinitialiseAccumulatedElements) {
  // Fuse and split the spatial loops, decompose the reduction, then try to compute the init
  // under a loop whose per-iteration region (a whole row) overlaps elements that earlier
  // iterations already accumulated.
  const std::string prefix =
      R"({"decisions":[[5,[1,8,3]],[9,[1,3]],[13,2]],"insts":[["GetBlock",[],["C"],["b0"]],["GetLoops",["b0"],[],["l1","l2","l3","l4"]],["Fuse",["l2","l3"],[],["l5"]],["GetBlock",[],["C"],["b6"]],["GetLoops",["b6"],[],["l7","l8","l9"]],["SamplePerfectTile",["l8"],[3,4],["v10","v11","v12"]],["Split",["l8","v10","v11","v12"],[],["l13","l14","l15"]],["GetBlock",[],["C"],["b16"]],["GetLoops",["b16"],[],["l17","l18","l19","l20","l21"]],["SamplePerfectTile",["l20"],[2,4],["v22","v23"]],["Split",["l20","v22","v23"],[],["l24","l25"]],["GetBlock",[],["C"],["b26"]],["GetLoops",["b26"],[],["l27","l28","l29","l30","l31","l32"]],["SampleCategorical",[],[[0,16,64],[0.4,0.3,0.3]],["v33"]],["Annotate",["l29","v33"],["pragma_auto_unroll_max_step"],[]],["GetBlock",[],["C"],["b34"]],["GetLoops",["b34"],[],["l35","l36","l37","l38","l39","l40"]],["DecomposeReduction",["b34","l37"],[],["b41"]],["GetBlock",[],["C_init"],["b42"]],["GetLoops",["b42"],[],["l43","l44","l45","l46"]]],"version":1})";
  PrimFunc f = workloads::get("GMM:b=2,n=4,m=6,k=5").func;
  Schedule sch(f, 0, true, true);
  Trace::from_json_string(prefix).apply(sch);
  BlockRV init = sch.get_block("C_init");
  LoopRV outer = sch.get_loops(sch.get_block("C"))[3];  // i_j_fused_2_0
  EXPECT_NE(error_of([&] {
              sch.compute_at(init, outer);
            }).find("block 'C_init' feeds an accumulation into 'C' and would run more than once"),
            std::string::npos);
  expect_same_results(f, sch.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, CacheWriteRefusesAReductionAnotherPartAccumulatesInto) {
  // Partitioning the reduction loop leaves two blocks accumulating into C inside the
  // same loops; a write cache for the first would lose the second's sums.
  PrimFunc f = workloads::get("gemm:m=4,n=5,k=7").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.loop_partition(l[2], {4, 3});
  std::string message =
      testing_util::error_of([&] { sch.cache_write(sch.get_block("C_p0"), 0, "local"); });
  EXPECT_NE(message.find("block 'C_p1' also writes elements of 'C' that block 'C_p0' writes, "
                         "inside the same loops"),
            std::string::npos)
      << message;
}

TEST(Regression, ReverseComputeInlineRefusesAProducerPaddedPastItsConsumer) {
  PrimFunc f = workloads::get("gemm:m=6,n=5,k=7").func;
  Schedule sch(f, 0, true, true);
  BlockRV cache = sch.cache_read(sch.get_block("C"), 1, "local");
  sch.pad_einsum(cache, {4, 2});  // B -> B_pad (8 x 6), B_local computed into B_local_pad
  sch.compute_inline(cache);      // B_local_pad[v] = B_pad[v], over the padded domain
  std::string message =
      testing_util::error_of([&] { sch.reverse_compute_inline(sch.get_block("B_local_pad")); });
  EXPECT_NE(
      message.find(
          "producer 'B_pad' computes points of 'B_pad' outside what block 'B_local_pad' visits"),
      std::string::npos)
      << message;
}

TEST(Regression, PadEinsumOfAGuardedCopyReadsOnlyInsideItsSource) {
  PrimFunc f = workloads::get("gemm:m=8,n=12,k=6").func;
  Schedule sch(f, 0, true, true);
  sch.pad_einsum(sch.get_block("C"), {3, 3, 3});
  sch.pad_einsum(sch.get_block("A_pad"),
                 {5, 4});  // A_pad guards its reads of A; so must its own copy
  testing_util::expect_same_results(f, sch.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, ComputeAtOfAPartitionedReductionRedoesOnlyItsOwnSteps) {
  // Part 0 of a partitioned reduction moved under its consumer (part 1) used to be
  // regenerated over the whole reduction domain, adding the last steps twice.
  PrimFunc f = workloads::get("TBG:batch=1,seq=4,heads=2,dim=3").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("S"));
  sch.loop_partition(l.back(), {std::nullopt, 1});
  BlockRV p0 = sch.get_block("S_p0");
  sch.compute_at(p0, sch.get_loops(sch.get_block("S_p1")).back(), true);
  testing_util::expect_same_results(f, sch.func());
  // A part whose steps are not one interval cannot be moved at all.
  PrimFunc g = workloads::get("gemm:m=4,n=4,k=8,epilogue=bias_relu").func;
  Schedule split(g, 0, true, true);
  std::vector<LoopRV> k = split.split(split.get_loops(split.get_block("C")).back(), {4, 2});
  split.loop_partition(k[1], {1, 1});  // part 0 takes the even steps, part 1 the odd ones
  std::string message = testing_util::error_of(
      [&] { split.compute_at(split.get_block("C_p0"), split.get_loops(split.get_block("D"))[0]); });
  EXPECT_NE(message.find("the loops of block 'C_p0' do not iterate its reduction variable 'vk' "
                         "over exactly its domain"),
            std::string::npos)
      << message;
}

TEST(Regression, ComputeAtOfADecomposedPaddingCopyStaysInBounds) {
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=5,ci=2,co=3,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  BlockRV pad = sch.get_block("pad");
  sch.decompose_padding(pad, sch.get_loops(pad)[1]);
  sch.compute_at(pad, sch.get_loops(sch.get_block("conv"))[1], true);
  testing_util::expect_same_results(f, sch.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, ReverseComputeInlineKeepsTheOrderOfOtherWriters) {
  // The padding fill of a transformed layout sits between the producer and the copy that
  // writes the transformed buffer; folding the copy into the producer would let the fill
  // overwrite it.
  PrimFunc f = workloads::get("C2D:n=1,h=5,w=5,ci=2,co=2,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  BlockRV copy = sch.cache_write(sch.get_block("pad"), 0, "shared");
  sch.transform_layout(copy, 0, BufferIndexKind::kWrite,
                       IndexMap::parse("(n, h, w, c) -> (h, n, floordiv(w, 2), floormod(w, 2), c)"),
                       0.0);
  std::string message = testing_util::error_of([&] { sch.reverse_compute_inline(copy); });
  EXPECT_NE(
      message.find(
          "block 'pad_pad_fill' runs between producer 'pad' and block 'pad_shared' and uses 'pad'"),
      std::string::npos)
      << message;
  testing_util::expect_same_results(f, sch.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, PadEinsumRefusesASpatialVariableTheOutputDoesNotUse) {
  // After transform_block_layout the batch variable (extent 1) no longer indexes the
  // output; padding it made the padded iterations re-initialize and re-add.
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=5,ci=2,co=3,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  sch.transform_block_layout(
      conv, IndexMap::parse("(v0, v1, v2, v3, v4, v5, v6) -> (v3, v2, v6, v0, v4, v1, v5)"));
  sch.reindex(conv, 0, BufferIndexKind::kRead);  // the input becomes an einsum access
  std::string message =
      testing_util::error_of([&] { sch.pad_einsum(conv, {1, 1, 1, 2, 1, 1, 1}); });
  EXPECT_NE(
      message.find("the spatial variable 'v3' of block 'conv' does not index its output 'conv'"),
      std::string::npos)
      << message;
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

// Traces from the lowering test (which runs schedules without debug verification).
TEST(Regression, ComputeAtUnderAPredicatedConsumerKeepsThePointInItsDomain) {
  PrimFunc f = workloads::get("NRM:b=2,m=3,n=4").func;
  Schedule sch(f);
  Trace::from_json_string(
      "{\"decisions\":[[2,0],[6,[2,1,2]],[18,1],[22,0]],\"insts\":[[\"GetBlock\",[],[\"sum_sq\"],["
      "\"b0\"]],[\"GetLoops\",[\"b0\"],[],[\"l1\",\"l2\",\"l3\"]],[\"SampleCategorical\",[],[[1],["
      "1.0]],[\"v4\"]],[\"LoopPartition\",[\"l1\",\"v4\",null],[],[\"l5\",\"l6\"]],[\"GetBlock\",[]"
      ",[\"sum_sq_p0\"],[\"b7\"]],[\"GetLoops\",[\"b7\"],[],[\"l8\",\"l9\",\"l10\"]],["
      "\"SamplePerfectTile\",[\"l10\"],[3,0],[\"v11\",\"v12\",\"v13\"]],[\"Split\",[\"l10\","
      "\"v11\",\"v12\",\"v13\"],[],[\"l14\",\"l15\",\"l16\"]],[\"GetBlock\",[],[\"norm\"],[\"b17\"]"
      "],[\"GetLoops\",[\"b17\"],[],[\"l18\"]],[\"ReIndex\",[\"b17\"],[0,\"read\"],[\"b19\"]],["
      "\"GetBlock\",[],[\"sum_sq_reindex\"],[\"b20\"]],[\"GetLoops\",[\"b20\"],[],[\"l21\"]],["
      "\"GetBlock\",[],[\"norm\"],[\"b22\"]],[\"GetLoops\",[\"b22\"],[],[\"l23\"]],[\"Split\",["
      "\"l23\",null,4],[],[\"l24\",\"l25\"]],[\"GetBlock\",[],[\"sum_sq_reindex\"],[\"b26\"]],["
      "\"GetLoops\",[\"b26\"],[],[\"l27\"]],[\"SampleComputeLocation\",[\"b26\"],[],[\"l28\"]],["
      "\"ComputeAt\",[\"b26\",\"l28\"],[0],[]],[\"GetBlock\",[],[\"sum_sq_p0\"],[\"b29\"]],["
      "\"GetLoops\",[\"b29\"],[],[\"l30\",\"l31\",\"l32\",\"l33\",\"l34\"]],[\"SampleCategorical\","
      "[],[[0,16,64],[0.4,0.3,0.3]],[\"v35\"]],[\"Annotate\",[\"l33\",\"v35\"],[\"pragma_auto_"
      "unroll_max_step\"],[]],[\"GetBlock\",[],[\"sum_sq_p1\"],[\"b36\"]],[\"GetLoops\",[\"b36\"],["
      "],[\"l37\",\"l38\",\"l39\"]]],\"version\":1}")
      .apply(sch);
  testing_util::expect_same_results(
      f, sch.func());  // the interpreter checks every binding against its domain
}

TEST(Regression, PadEinsumReinfersRegionsOverThePaddedDomain) {
  PrimFunc f = workloads::get("TBG:batch=1,seq=4,heads=2,dim=3").func;
  Schedule sch(f);
  BlockRV qt = sch.get_block("Q_T");
  sch.pad_einsum(qt, {3, 2, 4, 3});
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func transpose_batch_matmul(Q: float32[1, 4, 2, 3], K: float32[1, 4, 2, 3], S: float32[1, 2, 4, 4]) with {"global_symbol": "transpose_batch_matmul"} {
      block root() {
        reads();
        writes();
        alloc Q_T: float32[1, 2, 4, 3];
        alloc K_T: float32[1, 2, 3, 4];
        alloc Q_T_pad: float32[3, 2, 4, 3];
        alloc Q_pad: float32[3, 4, 2, 3];
        for ax0 in range(0, 3) {
          for ax1 in range(0, 4) {
            for ax2 in range(0, 2) {
              for ax3 in range(0, 3) {
                block Q_pad(v0: spatial(0, 3) = ax0, v1: spatial(0, 4) = ax1, v2: spatial(0, 2) = ax2, v3: spatial(0, 3) = ax3) {
                  reads(Q[v0, v1, v2, v3]);
                  writes(Q_pad[v0, v1, v2, v3]);
                  Q_pad[v0, v1, v2, v3] = if_then_else(v0 < 1, Q[v0, v1, v2, v3], 0f32);
                }
              }
            }
          }
        }
        for b in range(0, 3) {
          for h in range(0, 2) {
            for i in range(0, 4) {
              for d in range(0, 3) {
                block Q_T(vb: spatial(0, 3) = b, vh: spatial(0, 2) = h, vi: spatial(0, 4) = i, vd: spatial(0, 3) = d) {
                  reads(Q_pad[vb, vi, vh, vd]);
                  writes(Q_T_pad[vb, vh, vi, vd]);
                  Q_T_pad[vb, vh, vi, vd] = Q_pad[vb, vi, vh, vd];
                }
              }
            }
          }
        }
        for ax0_1 in range(0, 1) {
          for ax1_1 in range(0, 2) {
            for ax2_1 in range(0, 4) {
              for ax3_1 in range(0, 3) {
                block Q_T_pad(v0_1: spatial(0, 1) = ax0_1, v1_1: spatial(0, 2) = ax1_1, v2_1: spatial(0, 4) = ax2_1, v3_1: spatial(0, 3) = ax3_1) {
                  reads(Q_T_pad[v0_1, v1_1, v2_1, v3_1]);
                  writes(Q_T[v0_1, v1_1, v2_1, v3_1]);
                  Q_T[v0_1, v1_1, v2_1, v3_1] = Q_T_pad[v0_1, v1_1, v2_1, v3_1];
                }
              }
            }
          }
        }
        for b_1 in range(0, 1) {
          for h_1 in range(0, 2) {
            for d_1 in range(0, 3) {
              for j in range(0, 4) {
                block K_T(vb_1: spatial(0, 1) = b_1, vh_1: spatial(0, 2) = h_1, vd_1: spatial(0, 3) = d_1, vj: spatial(0, 4) = j) {
                  reads(K[0, vj, vh_1, vd_1]);
                  writes(K_T[vb_1, vh_1, vd_1, vj]);
                  K_T[vb_1, vh_1, vd_1, vj] = K[vb_1, vj, vh_1, vd_1];
                }
              }
            }
          }
        }
        for b_2 in range(0, 1) {
          for h_2 in range(0, 2) {
            for i_1 in range(0, 4) {
              for j_1 in range(0, 4) {
                for d_2 in range(0, 3) {
                  block S(vb_2: spatial(0, 1) = b_2, vh_2: spatial(0, 2) = h_2, vi_1: spatial(0, 4) = i_1, vj_1: spatial(0, 4) = j_1, vd_2: reduce(0, 3) = d_2) {
                    reads(Q_T[0, vh_2, vi_1, vd_2], K_T[0, vh_2, vd_2, vj_1]);
                    writes(S[vb_2, vh_2, vi_1, vj_1]);
                    init {
                      S[vb_2, vh_2, vi_1, vj_1] = 0f32;
                    }
                    S[vb_2, vh_2, vi_1, vj_1] = S[vb_2, vh_2, vi_1, vj_1] + Q_T[vb_2, vh_2, vi_1, vd_2] * K_T[vb_2, vh_2, vd_2, vj_1];
                  }
                }
              }
            }
          }
        }
      }
    }
  )"));
  Schedule traced(f);
  Trace::from_json_string(
      "{\"decisions\":[[14,3]],\"insts\":[[\"GetBlock\",[],[\"S\"],[\"b0\"]],[\"GetLoops\",[\"b0\"]"
      ",[],[\"l1\",\"l2\",\"l3\",\"l4\",\"l5\"]],[\"Vectorize\",[\"l1\"],[],[]],[\"GetBlock\",[],["
      "\"K_T\"],[\"b6\"]],[\"GetLoops\",[\"b6\"],[],[\"l7\",\"l8\",\"l9\",\"l10\"]],[\"CacheRead\","
      "[\"b6\"],[0,\"local\"],[\"b11\"]],[\"GetBlock\",[],[\"K_T\"],[\"b12\"]],[\"GetLoops\",["
      "\"b12\"],[],[\"l13\",\"l14\",\"l15\",\"l16\"]],[\"ComputeInline\",[\"b12\"],[],[]],["
      "\"GetBlock\",[],[\"Q_T\"],[\"b17\"]],[\"GetLoops\",[\"b17\"],[],[\"l18\",\"l19\",\"l20\","
      "\"l21\"]],[\"PadEinsum\",[\"b17\"],[[3,2,4,3]],[]],[\"GetBlock\",[],[\"Q_pad\"],[\"b22\"]],["
      "\"GetLoops\",[\"b22\"],[],[\"l23\",\"l24\",\"l25\",\"l26\"]],[\"SampleComputeLocation\",["
      "\"b22\"],[],[\"l27\"]],[\"ComputeAt\",[\"b22\",\"l27\"],[1],[]]],\"version\":1}")
      .apply(traced);
  testing_util::expect_same_results(f, traced.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, CacheWriteRefusesAPredicatedBlock) {
  // The in-bounds copy of a decomposed padding block, computed at a consumer loop, runs
  // under a predicate; its write cache used to copy back the skipped points too.
  PrimFunc f = workloads::get("DIL:n=1,h=7,w=7,ci=2,co=2,kernel=3,stride=1,pad=2,dilation=2").func;
  Schedule sch(f, 0, true, true);
  BlockRV pad = sch.get_block("pad");
  sch.decompose_padding(pad, sch.get_loops(pad)[1]);
  sch.compute_at(pad, sch.get_loops(sch.get_block("conv"))[3]);
  std::string message = testing_util::error_of([&] { sch.cache_write(pad, 0, "shared"); });
  EXPECT_NE(
      message.find(
          "block 'pad' has a predicate; a write cache would copy back elements it does not write"),
      std::string::npos)
      << message;
  testing_util::expect_same_results(f, sch.func());
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Regression, ReIndexOfAWriteNeedsLoopsCoveringTheDomain) {
  // The copy-back block of a write cache for a decomposed padding copy covers rows 2..8
  // of its 11-row domain; a reindexed write would copy back all 11 (found by compiling
  // random schedules, which run without debug verification).
  PrimFunc f = workloads::get("DIL:n=1,h=7,w=7,ci=2,co=2,kernel=3,stride=1,pad=2,dilation=2").func;
  Schedule sch(f);
  BlockRV pad = sch.get_block("pad");
  sch.decompose_padding(pad, sch.get_loops(pad)[0]);
  BlockRV copy = sch.cache_write(pad, 0, "shared");
  std::string message =
      testing_util::error_of([&] { sch.reindex(copy, 0, BufferIndexKind::kWrite); });
  EXPECT_NE(message.find("the loops of block 'pad_shared' do not make 'v1' cover its domain"),
            std::string::npos)
      << message;
  testing_util::expect_same_results(f, sch.func());
}

TEST(Regression, LaterStepsOfAPartitionedReductionAreNotLateProducers) {
  // Three parts of a reduction: the middle one reads C and the last one writes it; the
  // stage-pipeline check used to call that a producer running too late.
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=9").func;
  Schedule sch(f, 0, true, /*debug=*/true);
  sch.loop_partition(sch.get_loops(sch.get_block("C"))[2], {3, 3, 3});
  testing_util::expect_same_results(f, sch.func());
}

// Found by sampling AddRFactor's sketches: a split part of extent 1 feeds no variable once
// bindings are simplified, and a layout transform turns an extent-1 index into a constant.
TEST(Regression, RfactorTakesAnExtentOneLoopAndAConstantWriteIndex) {
  PrimFunc f = workloads::get("NRM:b=1,m=6,n=7").func;
  Schedule sch(f, 0, true, true);
  BlockRV b = sch.get_block("sum_sq");
  sch.transform_block_layout(b, IndexMap::parse("(v0, v1, v2) -> (v0, v1 * 7 + v2)"));
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func norm_bmn(A: float32[1, 6, 7], norm: float32[1]) with {"global_symbol": "norm_bmn"} {
      block root() {
        reads();
        writes();
        alloc sum_sq: float32[1];
        for ax0 in range(0, 1) {
          for ax1 in range(0, 42) {
            block sum_sq(v0: spatial(0, 1) = ax0, v1: reduce(0, 42) = ax1) {
              reads(A[0, floordiv(v1, 7), floormod(v1, 7)]);
              writes(sum_sq[0]);
              init {
                sum_sq[0] = 0f32;
              }
              sum_sq[0] = sum_sq[0] + A[0, floordiv(v1, 7), floormod(v1, 7)] * A[0, floordiv(v1, 7), floormod(v1, 7)];
            }
          }
        }
        for b in range(0, 1) {
          block norm(vb: spatial(0, 1) = b) {
            reads(sum_sq[0]);
            writes(norm[vb]);
            norm[vb] = sqrt(sum_sq[vb]);
          }
        }
      }
    }
  )"));
  std::vector<LoopRV> parts = sch.split(sch.get_loops(b).back(), {42, 1});
  sch.rfactor(parts[1], 1);
  expect_same_results(f, sch.func());
  // With two reduction variables, which one an extent-1 loop factors is ambiguous.
  Schedule two(workloads::get("NRM:b=1,m=6,n=7").func);
  BlockRV c = two.get_block("sum_sq");
  std::vector<LoopRV> l = two.get_loops(c);
  std::vector<LoopRV> rj = two.split(l[2], {7, 1});
  EXPECT_NE(error_of([&] {
              two.rfactor(rj[1], 1);
            }).find("has extent 1 and block 'sum_sq' has several reduction variables"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
