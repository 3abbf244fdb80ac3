// Tests of the scheduling primitives that move, cache, inline, factor and lay out blocks:
// each result stated as the expected program (IR text), checked for the same results.
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

TEST(ComputeInline, FoldsProducersIntoConsumers) {
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  sch.compute_inline(sch.get_block("pad"));
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 6, 6, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        for n in range(0, 1) {
          for h in range(0, 6) {
            for w in range(0, 6) {
              for co in range(0, 3) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 6) = h, vw: spatial(0, 6) = w, vco: spatial(0, 3) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                        reads(data[0, vh + vrh - 1, vw + vrw - 1, vrc], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + if_then_else(vh + vrh >= 1 && vh + vrh < 7 && vw + vrw >= 1 && vw + vrw < 7, data[vn, vh + vrh - 1, vw + vrw - 1, vrc], 0f32) * weight[vrh, vrw, vrc, vco];
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
  expect_same_results(f, sch.func());

  PrimFunc e = workloads::get("elementwise:m=4,n=5").func;
  Schedule chain(e, 0, true, true);
  chain.compute_inline(chain.get_block("add"));
  chain.compute_inline(chain.get_block("scale"));
  EXPECT_TRUE(testing_util::same_program(chain.func(), R"(
    func elementwise(A: float32[4, 5], B: float32[4, 5], relu: float32[4, 5]) with {"global_symbol": "elementwise"} {
      block root() {
        reads();
        writes();
        for i in range(0, 4) {
          for j in range(0, 5) {
            block relu(vi: spatial(0, 4) = i, vj: spatial(0, 5) = j) {
              reads(A[vi, vj], B[vi, vj]);
              writes(relu[vi, vj]);
              relu[vi, vj] = max((A[vi, vj] + B[vi, vj]) * 0.5f32, 0f32);
            }
          }
        }
      }
    }
  )"));
  expect_same_results(e, chain.func());
}

TEST(ComputeInline, Errors) {
  Schedule sch(workloads::get("CBR:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1").func);
  EXPECT_NE(error_of([&] {
              sch.compute_inline(sch.get_block("conv"));
            }).find("compute_inline: block 'conv' is not a single store of one buffer"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sch.compute_inline(sch.get_block("bn_relu")); })
                .find("block 'bn_relu' writes 'bn_relu', a parameter of the function; its result "
                      "must stay"),
            std::string::npos);
  Schedule t(workloads::get("TBG:batch=1,seq=4,heads=2,dim=3").func);
  t.compute_inline(t.get_block("Q_T"));  // a transpose is an injective index map: fine
  EXPECT_EQ(print(t.func()).find("block Q_T"), std::string::npos);
}

TEST(ComputeAt, ProducerComputesWhatEachIterationNeeds) {
  PrimFunc f = workloads::get("C2D:n=1,h=8,w=8,ci=2,co=4,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> conv = sch.get_loops(sch.get_block("conv"));
  sch.compute_at(sch.get_block("pad"), conv[1]);  // per output row h: pad rows h .. h+2
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 8, 8, 2], weight: float32[3, 3, 2, 4], conv: float32[1, 8, 8, 4]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 10, 10, 2];
        for n in range(0, 1) {
          for h in range(0, 8) {
            for ax0 in range(0, 3) {
              for ax1 in range(0, 10) {
                for ax2 in range(0, 2) {
                  block pad(vi0: spatial(0, 1) = 0, vi1: spatial(0, 10) = h + ax0, vi2: spatial(0, 10) = ax1, vi3: spatial(0, 2) = ax2) {
                    reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                    writes(pad[vi0, vi1, vi2, vi3]);
                    pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 9 && vi2 >= 1 && vi2 < 9, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                  }
                }
              }
            }
            for w in range(0, 8) {
              for co in range(0, 4) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 8) = h, vw: spatial(0, 8) = w, vco: spatial(0, 4) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                        reads(pad[0, vh + vrh, vw + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh + vrh, vw + vrw, vrc] * weight[vrh, vrw, vrc, vco];
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
  expect_same_results(f, sch.func());
  // Deeper: at loop w, the pad region is a 3x3 window; preserve_unit_loops keeps the n loop.
  Schedule deep(f, 0, true, true);
  std::vector<LoopRV> l = deep.get_loops(deep.get_block("conv"));
  deep.compute_at(deep.get_block("pad"), l[2], /*preserve_unit_loops=*/true);
  EXPECT_TRUE(testing_util::same_program(deep.func(), R"(
    func conv2d_nhwc(data: float32[1, 8, 8, 2], weight: float32[3, 3, 2, 4], conv: float32[1, 8, 8, 4]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 10, 10, 2];
        for n in range(0, 1) {
          for h in range(0, 8) {
            for w in range(0, 8) {
              for ax0 in range(0, 1) {
                for ax1 in range(0, 3) {
                  for ax2 in range(0, 3) {
                    for ax3 in range(0, 2) {
                      block pad(vi0: spatial(0, 1) = 0, vi1: spatial(0, 10) = h + ax1, vi2: spatial(0, 10) = w + ax2, vi3: spatial(0, 2) = ax3) {
                        reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                        writes(pad[vi0, vi1, vi2, vi3]);
                        pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 9 && vi2 >= 1 && vi2 < 9, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                      }
                    }
                  }
                }
              }
              for co in range(0, 4) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 8) = h, vw: spatial(0, 8) = w, vco: spatial(0, 4) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                        reads(pad[0, vh + vrh, vw + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh + vrh, vw + vrw, vrc] * weight[vrh, vrw, vrc, vco];
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
  expect_same_results(f, deep.func());
}

TEST(ComputeAt, ClipsToTheDomainOfNonDivisibleTiles) {
  // Consumer tiles of 4 over 10 rows: the last tile needs rows 8..11 of a 10-row producer.
  PrimFunc f = workloads::get("elementwise:m=10,n=6").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> relu = sch.get_loops(sch.get_block("relu"));
  std::vector<LoopRV> i = sch.split(relu[0], {std::nullopt, 4});
  sch.compute_at(sch.get_block("scale"), i[0]);
  sch.compute_at(sch.get_block("add"), i[0]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func elementwise(A: float32[10, 6], B: float32[10, 6], relu: float32[10, 6]) with {"global_symbol": "elementwise"} {
      block root() {
        reads();
        writes();
        alloc add: float32[10, 6];
        alloc scale: float32[10, 6];
        for i_0 in range(0, 3) {
          for ax0 in range(0, 4) {
            for ax1 in range(0, 6) {
              block add(vi: spatial(0, 10) = i_0 * 4 + ax0, vj: spatial(0, 6) = ax1) where i_0 * 4 + ax0 < 10 {
                reads(A[vi, vj], B[vi, vj]);
                writes(add[vi, vj]);
                add[vi, vj] = A[vi, vj] + B[vi, vj];
              }
            }
          }
          for ax0_1 in range(0, 4) {
            for ax1_1 in range(0, 6) {
              block scale(vi_1: spatial(0, 10) = i_0 * 4 + ax0_1, vj_1: spatial(0, 6) = ax1_1) where i_0 * 4 + ax0_1 < 10 {
                reads(add[vi_1, vj_1]);
                writes(scale[vi_1, vj_1]);
                scale[vi_1, vj_1] = add[vi_1, vj_1] * 0.5f32;
              }
            }
          }
          for i_1 in range(0, 4) {
            for j in range(0, 6) {
              block relu(vi_2: spatial(0, 10) = i_0 * 4 + i_1, vj_2: spatial(0, 6) = j) where i_0 * 4 + i_1 < 10 {
                reads(scale[vi_2, vj_2]);
                writes(relu[vi_2, vj_2]);
                relu[vi_2, vj_2] = max(scale[vi_2, vj_2], 0f32);
              }
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(ReverseComputeAt, ConsumerFollowsItsProducer) {
  PrimFunc f = workloads::get("gemm:m=8,n=8,k=4,epilogue=bias_relu").func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> c = sch.get_loops(sch.get_block("C"));
  sch.reverse_compute_at(sch.get_block("D"), c[1]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[8, 4], B: float32[4, 8], bias: float32[8], D: float32[8, 8]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc C: float32[8, 8];
        for i in range(0, 8) {
          for j in range(0, 8) {
            for k in range(0, 4) {
              block C(vi: spatial(0, 8) = i, vj: spatial(0, 8) = j, vk: reduce(0, 4) = k) {
                reads(A[vi, vk], B[vk, vj]);
                writes(C[vi, vj]);
                init {
                  C[vi, vj] = 0f32;
                }
                C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
              }
            }
            block D(vi_1: spatial(0, 8) = i, vj_1: spatial(0, 8) = j) {
              reads(C[vi_1, vj_1], bias[vj_1]);
              writes(D[vi_1, vj_1]);
              D[vi_1, vj_1] = max(C[vi_1, vj_1] + bias[vj_1], 0f32);
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
}

TEST(ComputeAt, Errors) {
  PrimFunc f = workloads::get("SFM:m=4,n=8").func;
  Schedule sch(f);
  std::vector<LoopRV> exp_loops = sch.get_loops(sch.get_block("row_exp"));
  std::vector<LoopRV> sum_loops = sch.get_loops(sch.get_block("row_sum"));
  // row_exp is read by row_sum and softmax: moving it under row_sum's loop would starve softmax.
  EXPECT_NE(error_of([&] {
              sch.compute_at(sch.get_block("row_exp"), sum_loops[0]);
            }).find("compute_at: block 'softmax' also reads 'row_exp' but is not under loop 'i"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.compute_at(sch.get_block("row_exp"), exp_loops[0]);
            }).find("already encloses block 'row_exp'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.reverse_compute_at(sch.get_block("row_max"), sum_loops[0]);
            }).find("no block under loop 'i"),
            std::string::npos);
  sch.compute_at(sch.get_block("row_max"), exp_loops[0]);  // row_max's only consumer is row_exp
  expect_same_results(f, sch.func());
}

TEST(SampleComputeLocation, EveryDrawIsLegalAndReplays) {
  PrimFunc f = workloads::get("C2D:n=1,h=5,w=5,ci=2,co=2,kernel=3,stride=1,pad=1").func;
  std::set<int64_t> seen;
  for (uint64_t seed = 0; seed < 24; ++seed) {
    Schedule sch(f, seed, true, true);
    BlockRV pad = sch.get_block("pad");
    LoopRV where = sch.sample_compute_location(pad);
    sch.compute_at(pad, where);
    seen.insert(sch.trace()->decision(1)->get<int64_t>());
    Schedule replay(f);
    Trace::from_json_string(sch.trace()->to_json_string()).apply(replay);
    ASSERT_TRUE(structural_equal(replay.func(), sch.func())) << sch.trace()->to_json_string();
    if (seed % 4 == 0) expect_same_results(f, sch.func(), seed);
  }
  EXPECT_TRUE(seen.count(-2) && seen.count(-1))
      << "inline and root are legal for the padding block";
  EXPECT_GT(seen.size(), 5u);
  // A decision that is not legal: strict replay refuses, repair falls back.
  Schedule strict(f);
  EXPECT_NE(error_of([&] {
              strict.sample_compute_location(strict.get_block("conv"), 0);
            }).find("decision 0 is not a legal location of block 'conv' (legal: -1)"),
            std::string::npos);
}

// Draws are uniform over the legal locations (the sampler tests locations lazily, in a
// random order, so this checks that the shortcut keeps the distribution).
TEST(SampleComputeLocation, DrawsAreUniformOverTheLegalLocations) {
  PrimFunc f = workloads::get("C2D:n=1,h=5,w=5,ci=2,co=2,kernel=3,stride=1,pad=1").func;
  std::set<int64_t> legal;
  for (int64_t d = -2; d < 12; ++d) {
    Schedule sch(f);
    if (error_of([&] { sch.sample_compute_location(sch.get_block("pad"), d); }) == "<no error>")
      legal.insert(d);
  }
  ASSERT_GT(legal.size(), 3u);
  std::map<int64_t, int> counts;
  const int draws = 150 * static_cast<int>(legal.size());
  for (int seed = 0; seed < draws; ++seed) {
    Schedule sch(f, static_cast<uint64_t>(seed));
    sch.sample_compute_location(sch.get_block("pad"));
    counts[sch.trace()->decision(1)->get<int64_t>()]++;
  }
  for (auto& [location, n] : counts)
    EXPECT_TRUE(legal.count(location)) << "drew illegal location " << location;
  for (int64_t location : legal) {
    EXPECT_GT(counts[location], 90)
        << "location " << location << " drawn " << counts[location] << " times of " << draws;
    EXPECT_LT(counts[location], 210)
        << "location " << location << " drawn " << counts[location] << " times of " << draws;
  }
}

TEST(Cache, ReadAndWriteStages) {
  PrimFunc f = workloads::get("gemm:m=16,n=16,k=8").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  BlockRV a_local = sch.cache_read(c, 0, "local");
  BlockRV c_global = sch.cache_write(c, 0, "local");
  EXPECT_EQ(sch.get(a_local)->name, "A_local");
  EXPECT_EQ(sch.get(c_global)->name, "C_local");
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[16, 8], B: float32[8, 16], C: float32[16, 16]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc A_local: float32[16, 8] scope "local";
        alloc C_local: float32[16, 16] scope "local";
        for ax0 in range(0, 16) {
          for ax1 in range(0, 8) {
            block A_local(v0: spatial(0, 16) = ax0, v1: spatial(0, 8) = ax1) {
              reads(A[v0, v1]);
              writes(A_local[v0, v1]);
              A_local[v0, v1] = A[v0, v1];
            }
          }
        }
        for i in range(0, 16) {
          for j in range(0, 16) {
            for k in range(0, 8) {
              block C(vi: spatial(0, 16) = i, vj: spatial(0, 16) = j, vk: reduce(0, 8) = k) {
                reads(A_local[vi, vk], B[vk, vj]);
                writes(C_local[vi, vj]);
                init {
                  C_local[vi, vj] = 0f32;
                }
                C_local[vi, vj] = C_local[vi, vj] + A_local[vi, vk] * B[vk, vj];
              }
            }
          }
        }
        for ax0_1 in range(0, 16) {
          for ax1_1 in range(0, 16) {
            block C_local(v0_1: spatial(0, 16) = ax0_1, v1_1: spatial(0, 16) = ax1_1) {
              reads(C_local[v0_1, v1_1]);
              writes(C[v0_1, v1_1]);
              C[v0_1, v1_1] = C_local[v0_1, v1_1];
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
  // The cache block composes with compute_at: copy A's rows per i iteration.
  std::vector<LoopRV> loops = sch.get_loops(c);
  sch.compute_at(a_local, loops[0]);
  sch.reverse_compute_at(c_global, loops[1]);
  expect_same_results(f, sch.func());
  Schedule replay(f);
  Trace::from_json_string(sch.trace()->to_json_string()).apply(replay);
  EXPECT_TRUE(structural_equal(replay.func(), sch.func()));
  EXPECT_NE(error_of([&] {
              sch.cache_read(c, 5, "shared");
            }).find("block 'C' has 2 read regions; index 5 is out of range"),
            std::string::npos);
}

TEST(DecomposeReduction, InitBecomesItsOwnBlock) {
  PrimFunc f = workloads::get("gemm:m=8,n=8,k=4").func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  BlockRV init = sch.decompose_reduction(c, l[1]);
  EXPECT_EQ(sch.get(init)->name, "C_init");
  EXPECT_FALSE(sch.get(c)->init.defined());
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[8, 4], B: float32[4, 8], C: float32[8, 8]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in range(0, 8) {
          for j_init in range(0, 8) {
            block C_init(vi: spatial(0, 8) = i, vj: spatial(0, 8) = j_init) {
              reads();
              writes(C[vi, vj]);
              C[vi, vj] = 0f32;
            }
          }
          for j in range(0, 8) {
            for k in range(0, 4) {
              block C(vi_1: spatial(0, 8) = i, vj_1: spatial(0, 8) = j, vk: reduce(0, 4) = k) {
                reads(C[vi_1, vj_1], A[vi_1, vk], B[vk, vj_1]);
                writes(C[vi_1, vj_1]);
                C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk] * B[vk, vj_1];
              }
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
  EXPECT_NE(error_of([&] {
              sch.decompose_reduction(c, l[0]);
            }).find("block 'C' has no init to decompose"),
            std::string::npos);
  // Found by the random-schedule test: an init placed inside a reduction loop would reset the sum.
  Schedule inner(f);
  BlockRV c2 = inner.get_block("C");
  std::vector<LoopRV> k = inner.split(inner.get_loops(c2)[2], {2, 2});
  EXPECT_NE(error_of([&] { inner.decompose_reduction(c2, k[1]); })
                .find("loop 'k_0' outside loop 'k_1' feeds the reduction variable 'vk'; the init "
                      "would run once per iteration of it"),
            std::string::npos);
}

TEST(LoopStructure, AddUnitLoopAndMerge) {
  PrimFunc f = workloads::get("elementwise:m=4,n=6").func;
  Schedule sch(f, 0, true, true);
  LoopRV unit = sch.add_unit_loop(sch.get_block("add"));
  EXPECT_EQ(print(Expr(sch.get(unit)->extent)), "1");
  std::vector<LoopRV> a = sch.get_loops(sch.get_block("scale")),
                      b = sch.get_loops(sch.get_block("relu"));
  LoopRV merged = sch.merge({a[0], b[0]});
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func elementwise(A: float32[4, 6], B: float32[4, 6], relu: float32[4, 6]) with {"global_symbol": "elementwise"} {
      block root() {
        reads();
        writes();
        alloc add: float32[4, 6];
        alloc scale: float32[4, 6];
        for i in range(0, 4) {
          for j in range(0, 6) {
            for add_unit in range(0, 1) {
              block add(vi: spatial(0, 4) = i, vj: spatial(0, 6) = j) {
                reads(A[vi, vj], B[vi, vj]);
                writes(add[vi, vj]);
                add[vi, vj] = A[vi, vj] + B[vi, vj];
              }
            }
          }
        }
        for i_1 in range(0, 4) {
          for j_1 in range(0, 6) {
            block scale(vi_1: spatial(0, 4) = i_1, vj_1: spatial(0, 6) = j_1) {
              reads(add[vi_1, vj_1]);
              writes(scale[vi_1, vj_1]);
              scale[vi_1, vj_1] = add[vi_1, vj_1] * 0.5f32;
            }
          }
          for j_2 in range(0, 6) {
            block relu(vi_2: spatial(0, 4) = i_1, vj_2: spatial(0, 6) = j_2) {
              reads(scale[vi_2, vj_2]);
              writes(relu[vi_2, vj_2]);
              relu[vi_2, vj_2] = max(scale[vi_2, vj_2], 0f32);
            }
          }
        }
      }
    }
  )"));
  EXPECT_EQ(sch.get_child_blocks(merged).size(), 2u);
  expect_same_results(f, sch.func());
  std::vector<LoopRV> c = sch.get_loops(sch.get_block("add"));
  EXPECT_NE(error_of([&] { sch.merge({c[1], a[1]}); }).find("is not a sibling of loop"),
            std::string::npos);
}

TEST(ReverseComputeInline, ConsumerFoldsIntoProducer) {
  PrimFunc f = workloads::get("elementwise:m=4,n=6").func;
  Schedule sch(f, 0, true, true);
  sch.reverse_compute_inline(sch.get_block("relu"));
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func elementwise(A: float32[4, 6], B: float32[4, 6], relu: float32[4, 6]) with {"global_symbol": "elementwise"} {
      block root() {
        reads();
        writes();
        alloc add: float32[4, 6];
        for i in range(0, 4) {
          for j in range(0, 6) {
            block add(vi: spatial(0, 4) = i, vj: spatial(0, 6) = j) {
              reads(A[vi, vj], B[vi, vj]);
              writes(add[vi, vj]);
              add[vi, vj] = A[vi, vj] + B[vi, vj];
            }
          }
        }
        for i_1 in range(0, 4) {
          for j_1 in range(0, 6) {
            block scale(vi_1: spatial(0, 4) = i_1, vj_1: spatial(0, 6) = j_1) {
              reads(add[vi_1, vj_1]);
              writes(relu[vi_1, vj_1]);
              relu[vi_1, vj_1] = max(add[vi_1, vj_1] * 0.5f32, 0f32);
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
  // Into a reduction it would apply the epilogue to partial sums: refused.
  Schedule g(workloads::get("gemm:m=4,n=4,k=4,epilogue=bias_relu").func);
  EXPECT_NE(error_of([&] {
              g.reverse_compute_inline(g.get_block("D"));
            }).find("producer 'C' of block 'D' is not a complete spatial block"),
            std::string::npos);
}

TEST(RFactor, PartialReductionsAlongALoop) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=16").func;
  for (int64_t axis : {0, 1, 2}) {
    for (int which : {0, 1}) {
      Schedule sch(f, 0, true, true);
      std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
      std::vector<LoopRV> k = sch.split(l[2], {4, 4});
      BlockRV rf = sch.rfactor(k[static_cast<size_t>(which)], axis);
      EXPECT_EQ(sch.get(rf)->name, "C_rf");
      std::string text = print(sch.func());
      EXPECT_NE(text.find("alloc C_rf: float32["), std::string::npos) << text;
      expect_same_results(f, sch.func());
      Schedule replay(f);
      Trace::from_json_string(sch.trace()->to_json_string()).apply(replay);
      EXPECT_TRUE(structural_equal(replay.func(), sch.func()));
    }
  }
  PrimFunc n = workloads::get("NRM:b=2,m=4,n=6").func;
  Schedule sch(n, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("sum_sq"));
  sch.rfactor(l[1], 0);
  sch.parallel(sch.get_loops(sch.get_block("sum_sq_rf"))[0]);  // the factored loop is now spatial
  expect_same_results(n, sch.func());
  Schedule bad(f);
  std::vector<LoopRV> g = bad.get_loops(bad.get_block("C"));
  EXPECT_NE(error_of([&] {
              bad.rfactor(g[0], 0);
            }).find("rfactor: loop 'i' feeds the spatial variable 'vi'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { bad.rfactor(g[2], 5); }).find("factor_axis 5 is out of range [0, 2]"),
            std::string::npos);
}

// tests/schedule/as_cpp_gemm_template.inc is `tessera show` of
// tests/tools/gemm_template_trace.json: the C++ a user pastes into a handwritten schedule. It must
// compile and reproduce the trace.
TEST(Layout, SetScopeAndStorageAlign) {
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=6,ci=3,co=2,kernel=3,stride=1,pad=1").func;
  Schedule sch(f, 0, true, true);
  BlockRV pad = sch.get_block("pad");
  sch.set_scope(pad, 0, "shared");
  sch.storage_align(pad, 0, 2, 8, 1);  // the stride of the w axis (3 channels) becomes 9
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 3], weight: float32[3, 3, 3, 2], conv: float32[1, 6, 6, 2]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 8, 8, 3] strides[576, 72, 9, 1] scope "shared";
        for i0 in range(0, 1) {
          for i1 in range(0, 8) {
            for i2 in range(0, 8) {
              for i3 in range(0, 3) {
                block pad(vi0: spatial(0, 1) = i0, vi1: spatial(0, 8) = i1, vi2: spatial(0, 8) = i2, vi3: spatial(0, 3) = i3) {
                  reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                  writes(pad[vi0, vi1, vi2, vi3]);
                  pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                }
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 6) {
            for w in range(0, 6) {
              for co in range(0, 2) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 3) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 6) = h, vw: spatial(0, 6) = w, vco: spatial(0, 2) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 3) = rc) {
                        reads(pad[0, vh + vrh, vw + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh + vrh, vw + vrw, vrc] * weight[vrh, vrw, vrc, vco];
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
  expect_same_results(f, sch.func());
  Schedule replay(f);
  Trace::from_json_string(sch.trace()->to_json_string()).apply(replay);
  EXPECT_TRUE(structural_equal(replay.func(), sch.func()));
  EXPECT_NE(sch.trace()->as_cpp().find("sch.storage_align(b0, 0, 2, 8, 1);"), std::string::npos)
      << sch.trace()->as_cpp();
  BlockRV conv = sch.get_block("conv");
  EXPECT_NE(error_of([&] {
              sch.set_scope(conv, 0, "shared");
            }).find("'conv' is a parameter of the function"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { sch.set_scope(pad, 0, "texture"); }).find("unknown storage scope 'texture'"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.set_scope(pad, 3, "local");
            }).find("block 'pad' has 1 write regions; index 3 is out of range"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.storage_align(pad, 0, 4, 8, 1);
            }).find("axis 4 is out of range for the 4-D buffer 'pad'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              sch.storage_align(pad, 0, 1, 8, 8);
            }).find("offset 8 must be in [0, factor 8)"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { sch.storage_align(pad, 0, 1, 0, 0); }).find("factor must be positive, got 0"),
      std::string::npos);
}

}  // namespace
}  // namespace tessera
