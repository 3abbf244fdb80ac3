// Tests of the lowering passes: each pass's output on representative programs, and
// lowered programs computing what the block IR does (reference interpreter) for every
// workload unscheduled and for random schedules from the property test's generator.
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "../common/error_of.h"
#include "../common/expect_program.h"
#include "../common/random_schedule.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/ir/visitor.h"
#include "tessera/lower/lower.h"
#include "tessera/lower/passes.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

std::string check_same(const PrimFunc& original, const PrimFunc& lowered) {
  std::vector<NDArray> a = make_random_arguments(original, 5),
                       b = make_random_arguments(original, 5);  // lowered parameters are flat views
  run_reference(original, a);
  run_reference(lowered, b);
  std::vector<bool> outputs = written_params(original);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!outputs[i]) continue;
    Comparison c = compare(b[i], a[i], 1e-5, 1e-5);
    if (!c.match) return original->params[i]->name + ": " + c.summary;
  }
  return "";
}

TEST(Lower, StopsAfterANamedStage) {
  const PrimFunc gemm = workloads::get("gemm:m=8,n=8,k=8").func;
  std::ostringstream dumped;
  const PrimFunc blocks_gone = lower(
      gemm, LowerOptions{.stop_after = LoweringStage::kRemoveBlocks, .dump_after_each = &dumped});
  EXPECT_EQ(print(blocks_gone).find("block "), std::string::npos) << print(blocks_gone);
  EXPECT_EQ(blocks_gone->params[0].ndim(), 2u) << "not flattened yet";
  EXPECT_NE(dumped.str().find("// after remove_blocks"), std::string::npos);
  EXPECT_EQ(dumped.str().find("// after partition_loops"), std::string::npos)
      << "nothing after the stage runs";
  // Stopping after a stage is the same as running the passes up to it.
  PrimFunc by_hand = gemm;
  for (const LoweringPass& pass : lowering_passes()) {
    by_hand = pass.run(by_hand);
    if (pass.stage == LoweringStage::kRemoveBlocks) break;
  }
  EXPECT_TRUE(structural_equal(by_hand, blocks_gone));
  EXPECT_EQ(lower(gemm)->params[0].ndim(), 1u) << "the default runs every stage";
}

TEST(LowerInit, InitRunsAtTheFirstReductionStep) {
  PrimFunc f = lower_init(workloads::get("gemm:m=4,n=4,k=4").func);
  EXPECT_TRUE(testing_util::same_program(f, R"(
    func gemm(A: float32[4, 4], B: float32[4, 4], C: float32[4, 4]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in range(0, 4) {
          for j in range(0, 4) {
            for k in range(0, 4) {
              block C(vi: spatial(0, 4) = i, vj: spatial(0, 4) = j, vk: reduce(0, 4) = k) {
                reads(A[vi, vk], B[vk, vj]);
                writes(C[vi, vj]);
                if vk == 0 {
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
  EXPECT_EQ(check_same(workloads::get("gemm:m=4,n=4,k=4").func, f), "");
}

TEST(RemoveBlocks, BindingsReplaceIterationVariablesAndPredicatesBecomeIfs) {
  PrimFunc f = workloads::get("gemm:m=10,n=4,k=4").func;
  Schedule sch(f);
  sch.split(sch.get_loops(sch.get_block("C"))[0], {std::nullopt, 4});
  PrimFunc lowered = remove_blocks(lower_init(sch.func()));
  EXPECT_TRUE(testing_util::same_program(lowered, R"(
    func gemm(A: float32[10, 4], B: float32[4, 4], C: float32[10, 4]) with {"global_symbol": "gemm"} {
      for i_0 in range(0, 3) {
        for i_1 in range(0, 4) {
          for j in range(0, 4) {
            for k in range(0, 4) {
              if i_0 * 4 + i_1 < 10 {
                if k == 0 {
                  C[i_0 * 4 + i_1, j] = 0f32;
                }
                C[i_0 * 4 + i_1, j] = C[i_0 * 4 + i_1, j] + A[i_0 * 4 + i_1, k] * B[k, j];
              }
            }
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, lowered), "");
  EXPECT_NE(testing_util::error_of([&] {
              remove_blocks(f);
            }).find("block 'C' still has an init; run lower_init first"),
            std::string::npos);
}

TEST(PlaceAllocations, ATileComputedPerIterationIsAllocatedInsideTheLoop) {
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=2,pad=1").func;
  Schedule sch(f);
  sch.compute_at(sch.get_block("pad"), sch.get_loops(sch.get_block("conv"))[1]);
  // pad is computed per h: its allocation moves inside the h loop...
  PrimFunc placed = place_allocations(sch.func());
  EXPECT_TRUE(testing_util::same_program(placed, R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        for n in range(0, 1) {
          for h in range(0, 3) {
            allocate pad: float32[1, 8, 8, 2] {
              for ax0 in range(0, 3) {
                for ax1 in range(0, 7) {
                  for ax2 in range(0, 2) {
                    block pad(vi0: spatial(0, 1) = 0, vi1: spatial(0, 8) = h * 2 + ax0, vi2: spatial(0, 8) = ax1, vi3: spatial(0, 2) = ax2) {
                      reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                      writes(pad[vi0, vi1, vi2, vi3]);
                      pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                    }
                  }
                }
              }
              for w in range(0, 3) {
                for co in range(0, 3) {
                  for rh in range(0, 3) {
                    for rw in range(0, 3) {
                      for rc in range(0, 2) {
                        block conv(vn: spatial(0, 1) = n, vh: spatial(0, 3) = h, vw: spatial(0, 3) = w, vco: spatial(0, 3) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                          reads(pad[0, vh * 2 + vrh, vw * 2 + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                          writes(conv[vn, vh, vw, vco]);
                          init {
                            conv[vn, vh, vw, vco] = 0f32;
                          }
                          conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh * 2 + vrh, vw * 2 + vrw, vrc] * weight[vrh, vrw, vrc, vco];
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  )"));
  // ...and shrinks to the 3 rows one h reads.
  PrimFunc compacted = compact_buffers(placed);
  EXPECT_TRUE(testing_util::same_program(compacted, R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        for n in range(0, 1) {
          for h in range(0, 3) {
            allocate pad: float32[1, 3, 7, 2] {
              for ax0 in range(0, 3) {
                for ax1 in range(0, 7) {
                  for ax2 in range(0, 2) {
                    block pad(vi0: spatial(0, 1) = 0, vi1: spatial(0, 8) = h * 2 + ax0, vi2: spatial(0, 8) = ax1, vi3: spatial(0, 2) = ax2) {
                      reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                      writes(pad[vi0, vi1 - h * 2, vi2, vi3]);
                      pad[vi0, vi1 - h * 2, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                    }
                  }
                }
              }
              for w in range(0, 3) {
                for co in range(0, 3) {
                  for rh in range(0, 3) {
                    for rw in range(0, 3) {
                      for rc in range(0, 2) {
                        block conv(vn: spatial(0, 1) = n, vh: spatial(0, 3) = h, vw: spatial(0, 3) = w, vco: spatial(0, 3) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                          reads(pad[0, vh * 2 + vrh - h * 2, vw * 2 + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                          writes(conv[vn, vh, vw, vco]);
                          init {
                            conv[vn, vh, vw, vco] = 0f32;
                          }
                          conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh * 2 + vrh - h * 2, vw * 2 + vrw, vrc] * weight[vrh, vrw, vrc, vco];
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, compacted), "");
  EXPECT_EQ(check_same(f, lower(sch.func())), "");
}

TEST(PlaceAllocations, AnAccumulatorStaysAboveItsReductionLoop) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=8").func;
  Schedule sch(f);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  BlockRV write = sch.cache_write(c, 0, "local");
  sch.reverse_compute_at(write, l[1]);
  // C_local accumulates over k: its allocation encloses the k loop, inside j.
  EXPECT_TRUE(testing_util::same_program(place_allocations(sch.func()), R"(
    func gemm(A: float32[4, 8], B: float32[8, 4], C: float32[4, 4]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in range(0, 4) {
          for j in range(0, 4) {
            allocate C_local: float32[4, 4] scope "local" {
              for k in range(0, 8) {
                block C(vi: spatial(0, 4) = i, vj: spatial(0, 4) = j, vk: reduce(0, 8) = k) {
                  reads(A[vi, vk], B[vk, vj]);
                  writes(C_local[vi, vj]);
                  init {
                    C_local[vi, vj] = 0f32;
                  }
                  C_local[vi, vj] = C_local[vi, vj] + A[vi, vk] * B[vk, vj];
                }
              }
              block C_local(v0: spatial(0, 4) = i, v1: spatial(0, 4) = j) {
                reads(C_local[v0, v1]);
                writes(C[v0, v1]);
                C[v0, v1] = C_local[v0, v1];
              }
            }
          }
        }
      }
    }
  )"));
  PrimFunc lowered = lower(sch.func());
  EXPECT_TRUE(testing_util::same_program(lowered, R"(
    func gemm(A: float32[32], B: float32[32], C: float32[16]) with {"global_symbol": "gemm"} {
      for i in range(0, 4) {
        for j in range(0, 4) {
          allocate C_local: float32[1] scope "local" {
            for k in range(0, 8) {
              if k == 0 {
                C_local[0] = 0f32;
              }
              C_local[0] = C_local[0] + A[i * 8 + k] * B[k * 4 + j];
            }
            C[i * 4 + j] = C_local[0];
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, lowered), "");
}

TEST(UnrollLoops, UnrolledLoopsAndAutoUnrollAnnotations) {
  PrimFunc f = workloads::get("gemm:m=2,n=3,k=2").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.unroll(l[2]);
  // The k loop is gone: its body once per k (the init's condition decided later).
  EXPECT_TRUE(testing_util::same_program(unroll_loops(remove_blocks(lower_init(sch.func()))), R"(
    func gemm(A: float32[2, 2], B: float32[2, 3], C: float32[2, 3]) with {"global_symbol": "gemm"} {
      for i in range(0, 2) {
        for j in range(0, 3) {
          if 0 == 0 {
            C[i, j] = 0f32;
          }
          C[i, j] = C[i, j] + A[i, 0] * B[0, j];
          if 1 == 0 {
            C[i, j] = 0f32;
          }
          C[i, j] = C[i, j] + A[i, 1] * B[1, j];
        }
      }
    }
  )"));
  Schedule autos(f);
  autos.annotate(autos.get_loops(autos.get_block("C"))[0], "pragma_auto_unroll_max_step",
                 int64_t{12});
  // 2 x 3 x 2 x 2 stores = 24 steps under i: kept; 12 under j: unrolled, and the decided
  // init conditions are gone.
  EXPECT_TRUE(testing_util::same_program(lower(autos.func()), R"(
    func gemm(A: float32[4], B: float32[6], C: float32[6]) with {"global_symbol": "gemm"} {
      for i in range(0, 2) with {"pragma_auto_unroll_max_step": 12} {
        C[i * 3] = 0f32;
        C[i * 3] = C[i * 3] + A[i * 2] * B[0];
        C[i * 3] = C[i * 3] + A[i * 2 + 1] * B[3];
        C[i * 3 + 1] = 0f32;
        C[i * 3 + 1] = C[i * 3 + 1] + A[i * 2] * B[1];
        C[i * 3 + 1] = C[i * 3 + 1] + A[i * 2 + 1] * B[4];
        C[i * 3 + 2] = 0f32;
        C[i * 3 + 2] = C[i * 3 + 2] + A[i * 2] * B[2];
        C[i * 3 + 2] = C[i * 3 + 2] + A[i * 2 + 1] * B[5];
      }
    }
  )"));
  EXPECT_EQ(check_same(f, lower(autos.func())), "");
  Schedule marked(f);
  LoopRV i = marked.get_loops(marked.get_block("C"))[0];
  marked.annotate(i, "pragma_auto_unroll_max_step", int64_t{12});
  marked.annotate(i, "pragma_unroll_explicit", int64_t{0});
  // Not explicit: the loops are marked unrolled and left to the code generator.
  EXPECT_TRUE(testing_util::same_program(lower(marked.func()), R"(
    func gemm(A: float32[4], B: float32[6], C: float32[6]) with {"global_symbol": "gemm"} {
      for i in range(0, 2) with {"pragma_auto_unroll_max_step": 12, "pragma_unroll_explicit": 0} {
        for j in unrolled(0, 3) {
          for k in unrolled(0, 2) {
            if k == 0 {
              C[i * 3 + j] = 0f32;
            }
            C[i * 3 + j] = C[i * 3 + j] + A[i * 2 + k] * B[k * 3 + j];
          }
        }
      }
    }
  )"));
}

TEST(SimplifyLoops, UnitLoopsAndDecidedConditionsGo) {
  PrimFunc f = workloads::get("gemm:m=8,n=4,k=4").func;
  Schedule sch(f);
  sch.split(sch.get_loops(sch.get_block("C"))[0], {1, 2, 4});
  // The unit loop i_0 and the split's condition (always true) are gone.
  EXPECT_TRUE(testing_util::same_program(lower(sch.func()), R"(
    func gemm(A: float32[32], B: float32[16], C: float32[32]) with {"global_symbol": "gemm"} {
      for i_1 in range(0, 2) {
        for i_2 in range(0, 4) {
          for j in range(0, 4) {
            for k in range(0, 4) {
              if k == 0 {
                C[i_1 * 16 + i_2 * 4 + j] = 0f32;
              }
              C[i_1 * 16 + i_2 * 4 + j] = C[i_1 * 16 + i_2 * 4 + j] + A[i_1 * 16 + i_2 * 4 + k] * B[k * 4 + j];
            }
          }
        }
      }
    }
  )"));
}

// gemm with loops (i, k, j) and j vectorized: the textbook vectorizable loop.
Schedule gemm_vectorized_over_j(const std::string& spec) {
  Schedule sch(workloads::get(spec).func);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[0], l[2], l[1]});
  sch.vectorize(l[1]);
  return sch;
}

std::string scalarized_reason(const PrimFunc& scheduled) {
  std::vector<std::string> reasons;
  LowerOptions options;
  options.vectorize = false;
  vectorize_loops(lower(scheduled, options), &reasons);
  return reasons.empty() ? "" : reasons[0];
}

TEST(VectorizeLoops, ContiguousAccessesBecomeRampsAndInvariantsBroadcasts) {
  Schedule sch = gemm_vectorized_over_j("gemm:m=4,n=16,k=4");
  PrimFunc lowered = lower(sch.func());
  EXPECT_TRUE(testing_util::same_program(lowered, R"(
    func gemm(A: float32[16], B: float32[64], C: float32[64]) with {"global_symbol": "gemm"} {
      for i in range(0, 4) {
        for k in range(0, 4) {
          if k == 0 {
            C[ramp(i * 16, 1, 16)] = broadcast(0f32, 16);
          }
          C[ramp(i * 16, 1, 16)] = C[ramp(i * 16, 1, 16)] + broadcast(A[i * 4 + k], 16) * B[ramp(k * 16, 1, 16)];
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(workloads::get("gemm:m=4,n=16,k=4").func, lowered), "");
}

TEST(VectorizeLoops, WideLoopsAreCutIntoVectors) {
  Schedule sch = gemm_vectorized_over_j("gemm:m=2,n=192,k=3");
  PrimFunc lowered = lower(sch.func());
  EXPECT_TRUE(testing_util::same_program(lowered, R"(
    func gemm(A: float32[6], B: float32[576], C: float32[384]) with {"global_symbol": "gemm"} {
      for i in range(0, 2) {
        for k in range(0, 3) {
          for j_vectors in range(0, 3) {
            if k == 0 {
              C[ramp(i * 192 + j_vectors * 64, 1, 64)] = broadcast(0f32, 64);
            }
            C[ramp(i * 192 + j_vectors * 64, 1, 64)] = C[ramp(i * 192 + j_vectors * 64, 1, 64)] + broadcast(A[i * 3 + k], 64) * B[ramp(k * 192 + j_vectors * 64, 1, 64)];
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(workloads::get("gemm:m=2,n=192,k=3").func, lowered), "");
}

TEST(VectorizeLoops, StridedAccessesBecomeGathersAndScatters) {
  PrimFunc f = workloads::get("gemm:m=8,n=4,k=4").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.reorder({l[1], l[2], l[0]});
  sch.vectorize(l[0]);
  PrimFunc lowered = lower(sch.func());
  EXPECT_TRUE(testing_util::same_program(lowered, R"(
    func gemm(A: float32[32], B: float32[16], C: float32[32]) with {"global_symbol": "gemm"} {
      for j in range(0, 4) {
        for k in range(0, 4) {
          if k == 0 {
            C[ramp(j, 4, 8)] = broadcast(0f32, 8);
          }
          C[ramp(j, 4, 8)] = C[ramp(j, 4, 8)] + A[ramp(k, 4, 8)] * broadcast(B[k * 4 + j], 8);
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, lowered), "");
}

TEST(VectorizeLoops, IllegalLoopsStaySerialWithTheReason) {
  // Every lane would add into the same element of C (written as loop IR: the schedule
  // refuses to vectorize a reduction loop).
  PrimFunc sum = parse_prim_func(R"(func sum(A: float32[8], C: float32[1]) {
  for k in vectorized(0, 8) {
    C[0] = C[0] + A[k];
  }
})");
  std::vector<std::string> reasons;
  PrimFunc kept = vectorize_loops(sum, &reasons);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0],
            "loop 'k' is not vectorized: every iteration stores to the same element of 'C'");
  EXPECT_TRUE(testing_util::same_program(kept, R"(
    func sum(A: float32[8], C: float32[1]) {
      for k in range(0, 8) with {"scalarized": "every iteration stores to the same element of 'C'"} {
        C[0] = C[0] + A[k];
      }
    }
  )"));
  // A read of what the loop writes, at another index.
  reasons.clear();
  vectorize_loops(parse_prim_func(R"(func shift(A: float32[9]) {
  for k in vectorized(0, 8) {
    A[k + 1] = A[k] * 2f32;
  }
})"),
                  &reasons);
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], "loop 'k' is not vectorized: it reads 'A' at another index than it writes");
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=8").func;
  // A loop around another loop.
  Schedule outer(f);
  outer.vectorize(outer.get_loops(outer.get_block("C"))[1]);
  EXPECT_EQ(scalarized_reason(outer.func()), "loop 'j' is not vectorized: it holds loop 'k'");
  // The tail of a non-divisible split is a condition on the vectorized variable.
  Schedule tail(workloads::get("gemm:m=4,n=10,k=2").func);
  std::vector<LoopRV> l = tail.get_loops(tail.get_block("C"));
  tail.reorder({l[0], l[2], l[1]});
  std::vector<LoopRV> j = tail.split(l[1], {std::nullopt, 4});
  tail.vectorize(j[1]);
  EXPECT_EQ(scalarized_reason(tail.func()),
            "loop 'j_1' is not vectorized: a condition depends on the loop variable");
  EXPECT_EQ(check_same(workloads::get("gemm:m=4,n=10,k=2").func, lower(tail.func())), "");
}

TEST(Lower, DumpAfterEachNamesEveryPass) {
  std::ostringstream dump;
  LowerOptions options;
  options.dump_after_each = &dump;
  lower(workloads::get("gemm:m=4,n=4,k=4").func, options);
  for (const LoweringPass& pass : lowering_passes())
    EXPECT_TRUE(has(dump.str(), "// after " + pass.name + "\n")) << pass.name;
}

TEST(Lower, EveryWorkloadUnscheduled) {
  for (const std::string& spec : testing_util::small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    PrimFunc lowered = lower(f);
    class NoBlocks : public IRVisitor {
     public:
      bool found = false;
      void visit_block(const BlockNode*) override { found = true; }
    } blocks;
    blocks.visit_stmt(lowered->body);
    EXPECT_FALSE(blocks.found) << spec;
    EXPECT_EQ(check_same(f, lowered), "") << spec << "\n" << print(lowered);
  }
}

// The property test's random schedules, lowered, compute what the original does.
TEST(Lower, RandomSchedulesLowerToTheSameResults) {
  const char* env = std::getenv("TESSERA_RANDOM_SCHEDULES");
  const int per_workload = env != nullptr ? std::max(1, std::atoi(env) / 4) : 25;
  testing_util::Stats stats;
  for (const std::string& spec : testing_util::small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    for (int n = 0; n < per_workload; ++n) {
      Random rng(static_cast<uint64_t>(n) * 104729 + spec.size());
      Schedule sch(f, static_cast<uint64_t>(n));
      int steps = static_cast<int>(rng.uniform_int(1, 9));
      for (int s = 0; s < steps; ++s) {
        testing_util::random_step(sch, rng, stats);
        if (HasFatalFailure()) return;
      }
      PrimFunc lowered;
      try {
        lowered = lower(sch.func());
      } catch (const Error& e) {
        FAIL() << spec << " seed " << n << ": " << e.what()
               << "\ntrace: " << sch.trace()->to_json_string();
      }
      std::string diff;
      try {
        diff = check_same(f, lowered);
      } catch (const Error& e) {
        diff = e.what();
      }
      ASSERT_EQ(diff, "") << spec << " seed " << n << "\ntrace: " << sch.trace()->to_json_string()
                          << "\n"
                          << print(lowered);
    }
  }
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(PartitionLoops, TheMainPartOfANonDivisibleSplitVectorizes) {
  // n = 100 split by 16: the last j_0 iteration holds 4 of 16 lanes, so the condition
  // the split leaves would keep the whole inner loop scalar.
  PrimFunc f = workloads::get("gemm:m=3,n=100,k=5").func;
  Schedule sch(f);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, 16});
  sch.reorder({j[0], l[2], j[1]});
  sch.vectorize(j[1]);
  PrimFunc plain = lower(sch.func());
  EXPECT_TRUE(has(print(plain), "scalarized")) << print(plain);
  sch.annotate(j[0], "pragma_loop_partition", int64_t{1});
  PrimFunc partitioned = partition_loops(remove_blocks(lower_init(sch.func())));
  // The main part (j_0 < 6) and the epilogue (the last j_0) each with the split's
  // condition, which simplify_loops decides in the main part; the annotation is consumed.
  EXPECT_TRUE(testing_util::same_program(partitioned, R"(
    func gemm(A: float32[3, 5], B: float32[5, 100], C: float32[3, 100]) with {"global_symbol": "gemm"} {
      for i in range(0, 3) {
        for j_0 in range(0, 6) {
          for k in range(0, 5) {
            for j_1 in vectorized(0, 16) {
              if j_0 * 16 + j_1 < 100 {
                if k == 0 {
                  C[i, j_0 * 16 + j_1] = 0f32;
                }
                C[i, j_0 * 16 + j_1] = C[i, j_0 * 16 + j_1] + A[i, k] * B[k, j_0 * 16 + j_1];
              }
            }
          }
        }
        for j_0_epilogue in range(6, 1) {
          for k in range(0, 5) {
            for j_1 in vectorized(0, 16) {
              if j_0_epilogue * 16 + j_1 < 100 {
                if k == 0 {
                  C[i, j_0_epilogue * 16 + j_1] = 0f32;
                }
                C[i, j_0_epilogue * 16 + j_1] = C[i, j_0_epilogue * 16 + j_1] + A[i, k] * B[k, j_0_epilogue * 16 + j_1];
              }
            }
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, partitioned), "");
  PrimFunc lowered = lower(sch.func());
  std::string text = print(lowered);
  // The main part is vector code; only the 4-wide tail stays scalar.
  EXPECT_TRUE(has(text, "ramp(")) << text;
  size_t scalarized = 0;
  for (size_t at = text.find("scalarized"); at != std::string::npos;
       at = text.find("scalarized", at + 1))
    ++scalarized;
  EXPECT_EQ(scalarized, 1u) << text;
  EXPECT_EQ(check_same(f, lowered), "");
}

TEST(PartitionLoops, LowerAndUpperConditionsGiveAPrologueAndAnEpilogue) {
  PrimFunc f = parse_prim_func(R"(func window(A: float32[40], B: float32[40]) {
  for i in range(0, 10) with {"pragma_loop_partition": 1} {
    for j in range(0, 4) {
      if i * 4 + j >= 6 && i * 4 + j < 37 {
        B[i * 4 + j] = A[i * 4 + j] * 2f32;
      } else {
        B[i * 4 + j] = 0f32;
      }
    }
  }
}
)");
  PrimFunc partitioned = partition_loops(f);
  EXPECT_TRUE(testing_util::same_program(partitioned, R"(
    func window(A: float32[40], B: float32[40]) {
      for i_prologue in range(0, 2) {
        for j in range(0, 4) {
          if i_prologue * 4 + j >= 6 && i_prologue * 4 + j < 37 {
            B[i_prologue * 4 + j] = A[i_prologue * 4 + j] * 2f32;
          } else {
            B[i_prologue * 4 + j] = 0f32;
          }
        }
      }
      for i in range(2, 7) {
        for j in range(0, 4) {
          if i * 4 + j >= 6 && i * 4 + j < 37 {
            B[i * 4 + j] = A[i * 4 + j] * 2f32;
          } else {
            B[i * 4 + j] = 0f32;
          }
        }
      }
      for i_epilogue in range(9, 1) {
        for j in range(0, 4) {
          if i_epilogue * 4 + j >= 6 && i_epilogue * 4 + j < 37 {
            B[i_epilogue * 4 + j] = A[i_epilogue * 4 + j] * 2f32;
          } else {
            B[i_epilogue * 4 + j] = 0f32;
          }
        }
      }
    }
  )"));
  // Simplified: the main part needs no condition, the one-iteration epilogue loses its loop.
  EXPECT_TRUE(testing_util::same_program(simplify_loops(partitioned), R"(
    func window(A: float32[40], B: float32[40]) {
      for i_prologue in range(0, 2) {
        for j in range(0, 4) {
          if i_prologue * 4 + j >= 6 {
            B[i_prologue * 4 + j] = A[i_prologue * 4 + j] * 2f32;
          } else {
            B[i_prologue * 4 + j] = 0f32;
          }
        }
      }
      for i in range(2, 7) {
        for j_1 in range(0, 4) {
          B[i * 4 + j_1] = A[i * 4 + j_1] * 2f32;
        }
      }
      for j_2 in range(0, 4) {
        if j_2 + 36 < 37 {
          B[j_2 + 36] = A[j_2 + 36] * 2f32;
        } else {
          B[j_2 + 36] = 0f32;
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, partitioned), "");
  // Without a condition linear in the loop there is nothing to cut; the annotation goes.
  PrimFunc none = parse_prim_func(R"(func g(B: float32[8]) {
  for i in range(0, 8) with {"pragma_loop_partition": 1} {
    B[i] = 1f32;
  }
}
)");
  EXPECT_EQ(print(partition_loops(none)),
            "func g(B: float32[8]) {\n  for i in range(0, 8) {\n    B[i] = 1f32;\n  }\n}\n");
  Schedule sch(workloads::get("gemm:m=4,n=4,k=4").func);
  EXPECT_NE(testing_util::error_of([&] {
              sch.annotate(sch.get_loops(sch.get_block("C"))[0], "pragma_loop_partition",
                           int64_t{2});
            }).find("annotation 'pragma_loop_partition' must be 0 or 1, got 2"),
            std::string::npos);
}

TEST(FlattenBuffers, AnInt64IndexAmongInt32OnesMakesTheFlatIndexInt64) {
  // Regression: the sum mixed int64 and int32 terms and failed ("operand types differ").
  PrimFunc f = parse_prim_func(R"(func f(C: float32[4, 8]) {
  for i in range(0i64, 4i64) {
    for j in range(0, 8) {
      C[i, j] = 1f32;
    }
  }
}
)");
  EXPECT_TRUE(testing_util::same_program(flatten_buffers(f), R"(
    func f(C: float32[32]) {
      for i in range(0i64, 4i64) {
        for j in range(0, 8) {
          C[i * cast(int64, 8) + cast(int64, j)] = 1f32;
        }
      }
    }
  )"));
}

TEST(FlattenBuffers, StridesAndShapesBecomeOneIndex) {
  PrimFunc f = workloads::get("C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1").func;
  Schedule sch(f);
  sch.storage_align(sch.get_block("pad"), 0, 2, 8, 1);  // the stride of dimension 2 becomes 9
  PrimFunc flat = flatten_buffers(remove_blocks(lower_init(sch.func())));
  // pad is [1, 6, 6, 2] with the stride of dimension 2 aligned to 9: strides 324, 54, 9, 1.
  EXPECT_TRUE(testing_util::same_program(flat, R"(
    func conv2d_nhwc(data: float32[32], weight: float32[36], conv: float32[32]) with {"global_symbol": "conv2d_nhwc"} {
      allocate pad: float32[317] {
        for i0 in range(0, 1) {
          for i1 in range(0, 6) {
            for i2 in range(0, 6) {
              for i3 in range(0, 2) {
                pad[i0 * 324 + i1 * 54 + i2 * 9 + i3] = if_then_else(i1 >= 1 && i1 < 5 && i2 >= 1 && i2 < 5, data[i0 * 32 + (i1 - 1) * 8 + (i2 - 1) * 2 + i3], 0f32);
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 4) {
            for w in range(0, 4) {
              for co in range(0, 2) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      if rh == 0 && rw == 0 && rc == 0 {
                        conv[n * 32 + h * 8 + w * 2 + co] = 0f32;
                      }
                      conv[n * 32 + h * 8 + w * 2 + co] = conv[n * 32 + h * 8 + w * 2 + co] + pad[n * 324 + (h + rh) * 54 + (w + rw) * 9 + rc] * weight[rh * 12 + rw * 4 + rc * 2 + co];
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  )"));
  EXPECT_EQ(check_same(f, flat), "");
  EXPECT_NE(testing_util::error_of([&] { flatten_buffers(f); }).find("run remove_blocks first"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
