// Tests of the layout, padding and loop-partition primitives: expected IR on a GEMM
// with prime dimensions (partition, padding) and an NHWC conv2d (layout), the same
// results as the original in the reference interpreter, traces that replay, and the
// index maps they take.
#include <gtest/gtest.h>

#include "../common/expect_program.h"
#include "../common/compiled_results.h"
#include "../common/error_of.h"
#include "../common/same_results.h"
#include "tessera/arith/index_map.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;
using testing_util::expect_same_results;

constexpr const char* kPrimeGemm = "gemm:m=127,n=127,k=127";
constexpr const char* kConv = "C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=2,pad=1";

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

// The trace replays through JSON to the same program.
void expect_replays(const PrimFunc& original, const Schedule& sch) {
  Schedule replay(original);
  Trace::from_json_string(sch.trace()->to_json_string()).apply(replay);
  EXPECT_TRUE(structural_equal(replay.func(), sch.func())) << sch.trace()->to_json_string();
}

TEST(IndexMap, ParsePrintAnalyzeInvert) {
  IndexMap m = IndexMap::parse("(i, j) -> (floordiv(i, 16), j, floormod(i, 16))");
  EXPECT_EQ(m.to_string(), "(i, j) -> (floordiv(i, 16), j, floormod(i, 16))");
  EXPECT_EQ(IndexMap::parse(m.to_string()).to_string(), m.to_string());
  IndexMap::Analysis exact = m.analyze({128, 4});
  EXPECT_EQ(exact.shape, (std::vector<int64_t>{8, 4, 16}));
  EXPECT_TRUE(exact.injective && exact.surjective);
  IndexMap::Analysis padded = m.analyze({127, 4});
  EXPECT_TRUE(padded.failure.empty()) << padded.failure;
  EXPECT_TRUE(padded.injective);
  EXPECT_FALSE(padded.surjective);
  IndexMap fold = IndexMap::from_lambda({"i", "j"}, [](const std::vector<Var>& v) {
    return std::vector<Expr>{floormod(v[0], make_int(2)), v[1]};
  });
  EXPECT_FALSE(fold.analyze({4, 3}).injective);
  std::optional<IndexMap> inv = m.inverse({128, 4});
  ASSERT_TRUE(inv.has_value());
  EXPECT_EQ(inv->to_string(), "(o0, o1, o2) -> (o0 * 16 + o2, o1)");
  EXPECT_FALSE(m.inverse({127, 4}).has_value());
  IndexMap fuse = IndexMap::parse("(a, b) -> (a * 5 + b)");
  ASSERT_TRUE(fuse.inverse({3, 5}).has_value());
  EXPECT_EQ(fuse.inverse({3, 5})->to_string(), "(o0) -> (floordiv(o0, 5), floormod(o0, 5))");
  EXPECT_NE(error_of([] { IndexMap::parse("(i, j) => (j, i)"); }).find("no '->'"),
            std::string::npos);
  EXPECT_NE(error_of([] { IndexMap::parse("(i, i) -> (i)"); }).find("the input 'i' is named twice"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { IndexMap::parse("(i) -> (i + k)"); }).find("the output 'i + k' does not parse"),
      std::string::npos);
  EXPECT_NE(error_of([] { IndexMap::parse("(i) -> (i, )"); }).find("an output is empty"),
            std::string::npos);
  EXPECT_NE(m.analyze({4}).failure.find("takes 2 indices"), std::string::npos);
  EXPECT_NE(IndexMap::parse("(i) -> (i - 1)").analyze({4}).failure.find("can be negative"),
            std::string::npos);
}

// The note's example: the main part of a prime-sized loop vectorizes without a
// predicate, the tail stays scalar.
TEST(LoopPartition, PrimeGemmMainPartVectorizesWithoutPredicate) {
  PrimFunc f = workloads::get(kPrimeGemm).func;
  Schedule sch(f, 0, true, /*debug=*/true);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> parts = sch.loop_partition(l[1], {112, std::nullopt});
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(sch.get(parts[1])->extent.as<IntImmNode>()->value, 15);
  std::vector<LoopRV> j = sch.split(parts[0], {std::nullopt, 16});
  sch.vectorize(j[1]);
  sch.parallel(l[0]);  // the enclosing loop accepts both parts
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[127, 127], B: float32[127, 127], C: float32[127, 127]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in parallel(0, 127) {
          for j_p0_0 in range(0, 7) {
            for j_p0_1 in vectorized(0, 16) {
              for k_p0 in range(0, 127) {
                block C_p0(vi: spatial(0, 127) = i, vj: spatial(0, 112) = j_p0_0 * 16 + j_p0_1, vk: reduce(0, 127) = k_p0) {
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
          for j_p1 in range(0, 15) {
            for k_p1 in range(0, 127) {
              block C_p1(vi_1: spatial(0, 127) = i, vj_1: spatial(112, 15) = j_p1 + 112, vk_1: reduce(0, 127) = k_p1) {
                reads(A[vi_1, vk_1], B[vk_1, vj_1]);
                writes(C[vi_1, vj_1]);
                init {
                  C[vi_1, vj_1] = 0f32;
                }
                C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk_1] * B[vk_1, vj_1];
              }
            }
          }
        }
      }
    }
  )"));
  testing_util::expect_same_results_compiled(f, sch.func());
  expect_replays(f, sch);
  // The partitioned loop, the loops under it and its blocks are gone.
  EXPECT_NE(error_of([&] { sch.get(l[1]); }).find("loop"), std::string::npos);
  EXPECT_NE(error_of([&] { sch.get(c); }).find("'C'"), std::string::npos);
  EXPECT_NE(error_of([&] { sch.get(l[2]); }).find("loop"), std::string::npos);
}

TEST(LoopPartition, SplitPredicateDisappearsFromTheMainPart) {
  PrimFunc f = workloads::get(kPrimeGemm).func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, 16});  // 8 x 16 > 127: predicate
  sch.loop_partition(j[0], {7, 1});
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[127, 127], B: float32[127, 127], C: float32[127, 127]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in range(0, 127) {
          for j_0_p0 in range(0, 7) {
            for j_1_p0 in range(0, 16) {
              for k_p0 in range(0, 127) {
                block C_p0(vi: spatial(0, 127) = i, vj: spatial(0, 112) = j_0_p0 * 16 + j_1_p0, vk: reduce(0, 127) = k_p0) {
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
          for j_0_p1 in range(0, 1) {
            for j_1_p1 in range(0, 16) {
              for k_p1 in range(0, 127) {
                block C_p1(vi_1: spatial(0, 127) = i, vj_1: spatial(112, 15) = j_1_p1 + 112, vk_1: reduce(0, 127) = k_p1) where j_1_p1 + 112 < 127 {
                  reads(A[vi_1, vk_1], B[vk_1, vj_1]);
                  writes(C[vi_1, vj_1]);
                  init {
                    C[vi_1, vj_1] = 0f32;
                  }
                  C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk_1] * B[vk_1, vj_1];
                }
              }
            }
          }
        }
      }
    }
  )"));
  testing_util::expect_same_results_compiled(f, sch.func());
}

TEST(LoopPartition, ReductionKeepsItsInitInTheFirstPartOnly) {
  PrimFunc f = workloads::get(kPrimeGemm).func;
  Schedule sch(f, 0, true, true);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  sch.loop_partition(l[2], {std::nullopt, 7});
  sch.parallel(l[0]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[127, 127], B: float32[127, 127], C: float32[127, 127]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        for i in parallel(0, 127) {
          for j in range(0, 127) {
            for k_p0 in range(0, 120) {
              block C_p0(vi: spatial(0, 127) = i, vj: spatial(0, 127) = j, vk: reduce(0, 120) = k_p0) {
                reads(A[vi, vk], B[vk, vj]);
                writes(C[vi, vj]);
                init {
                  C[vi, vj] = 0f32;
                }
                C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
              }
            }
            for k_p1 in range(0, 7) {
              block C_p1(vi_1: spatial(0, 127) = i, vj_1: spatial(0, 127) = j, vk_1: reduce(120, 7) = k_p1 + 120) {
                reads(A[vi_1, vk_1], B[vk_1, vj_1], C[vi_1, vj_1]);
                writes(C[vi_1, vj_1]);
                C[vi_1, vj_1] = C[vi_1, vj_1] + A[vi_1, vk_1] * B[vk_1, vj_1];
              }
            }
          }
        }
      }
    }
  )"));
  testing_util::expect_same_results_compiled(f, sch.func());
  expect_replays(f, sch);
  // The update part is no reduction block any more: reduction primitives refuse it.
  BlockRV p1_block = sch.get_block("C_p1");
  EXPECT_NE(
      error_of([&] { sch.decompose_reduction(p1_block, sch.get_loops(p1_block)[2]); }).find("C_p1"),
      std::string::npos);
}

TEST(LoopPartition, StagesPrivateToTheLoopGetABufferPerPart) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  std::vector<LoopRV> l = sch.get_loops(conv);
  sch.compute_at(sch.get_block("pad"), l[1]);
  std::vector<LoopRV> parts = sch.loop_partition(l[1], {1, std::nullopt});
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad_p0: float32[1, 8, 8, 2];
        alloc pad_p1: float32[1, 8, 8, 2];
        for n in range(0, 1) {
          for h_p0 in range(0, 1) {
            for ax0_p0 in range(0, 3) {
              for ax1_p0 in range(0, 7) {
                for ax2_p0 in range(0, 2) {
                  block pad_p0(vi0: spatial(0, 1) = 0, vi1: spatial(0, 3) = ax0_p0, vi2: spatial(0, 7) = ax1_p0, vi3: spatial(0, 2) = ax2_p0) {
                    reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                    writes(pad_p0[vi0, vi1, vi2, vi3]);
                    pad_p0[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                  }
                }
              }
            }
            for w_p0 in range(0, 3) {
              for co_p0 in range(0, 3) {
                for rh_p0 in range(0, 3) {
                  for rw_p0 in range(0, 3) {
                    for rc_p0 in range(0, 2) {
                      block conv_p0(vn: spatial(0, 1) = 0, vh: spatial(0, 1) = 0, vw: spatial(0, 3) = w_p0, vco: spatial(0, 3) = co_p0, vrh: reduce(0, 3) = rh_p0, vrw: reduce(0, 3) = rw_p0, vrc: reduce(0, 2) = rc_p0) {
                        reads(pad_p0[0, vh * 2 + vrh, vw * 2 + vrw, vrc], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad_p0[vn, vh * 2 + vrh, vw * 2 + vrw, vrc] * weight[vrh, vrw, vrc, vco];
                      }
                    }
                  }
                }
              }
            }
          }
          for h_p1 in range(0, 2) {
            for ax0_p1 in range(0, 3) {
              for ax1_p1 in range(0, 7) {
                for ax2_p1 in range(0, 2) {
                  block pad_p1(vi0_1: spatial(0, 1) = 0, vi1_1: spatial(2, 5) = h_p1 * 2 + ax0_p1 + 2, vi2_1: spatial(0, 7) = ax1_p1, vi3_1: spatial(0, 2) = ax2_p1) {
                    reads(data[0, vi1_1 - 1, vi2_1 - 1, vi3_1]);
                    writes(pad_p1[vi0_1, vi1_1, vi2_1, vi3_1]);
                    pad_p1[vi0_1, vi1_1, vi2_1, vi3_1] = if_then_else(vi1_1 >= 1 && vi1_1 < 7 && vi2_1 >= 1 && vi2_1 < 7, data[vi0_1, vi1_1 - 1, vi2_1 - 1, vi3_1], 0f32);
                  }
                }
              }
            }
            for w_p1 in range(0, 3) {
              for co_p1 in range(0, 3) {
                for rh_p1 in range(0, 3) {
                  for rw_p1 in range(0, 3) {
                    for rc_p1 in range(0, 2) {
                      block conv_p1(vn_1: spatial(0, 1) = 0, vh_1: spatial(1, 2) = h_p1 + 1, vw_1: spatial(0, 3) = w_p1, vco_1: spatial(0, 3) = co_p1, vrh_1: reduce(0, 3) = rh_p1, vrw_1: reduce(0, 3) = rw_p1, vrc_1: reduce(0, 2) = rc_p1) {
                        reads(pad_p1[0, vh_1 * 2 + vrh_1, vw_1 * 2 + vrw_1, vrc_1], weight[vrh_1, vrw_1, vrc_1, vco_1]);
                        writes(conv[vn_1, vh_1, vw_1, vco_1]);
                        init {
                          conv[vn_1, vh_1, vw_1, vco_1] = 0f32;
                        }
                        conv[vn_1, vh_1, vw_1, vco_1] = conv[vn_1, vh_1, vw_1, vco_1] + pad_p1[vn_1, vh_1 * 2 + vrh_1, vw_1 * 2 + vrw_1, vrc_1] * weight[vrh_1, vrw_1, vrc_1, vco_1];
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
  expect_replays(f, sch);
}

TEST(LoopPartition, SampledPartitionPointReplays) {
  PrimFunc f = workloads::get(kPrimeGemm).func;
  Schedule sch(f, 5);
  std::vector<LoopRV> l = sch.get_loops(sch.get_block("C"));
  ExprRV point = sch.sample_categorical({96, 112}, {0.5, 0.5});
  sch.loop_partition(l[1], {point, std::nullopt});
  expect_replays(f, sch);
  std::string cpp = sch.trace()->as_cpp();
  EXPECT_TRUE(has(cpp, "sch.loop_partition(l2, std::vector<FactorArg>{v4, std::nullopt});")) << cpp;
}

TEST(ReIndex, Conv2dReadBecomesIm2colAndWriteGoesThroughACopy) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  BlockRV im2col = sch.reindex(conv, 0, BufferIndexKind::kRead);
  BlockRV out = sch.reindex(conv, 0, BufferIndexKind::kWrite);
  EXPECT_EQ(sch.get(im2col)->name, "pad_reindex");
  EXPECT_EQ(sch.get(out)->name, "conv_reindex");
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 8, 8, 2];
        alloc pad_reindex: float32[1, 3, 3, 3, 3, 2];
        alloc conv_reindex: float32[1, 3, 3, 3];
        for i0 in range(0, 1) {
          for i1 in range(0, 8) {
            for i2 in range(0, 8) {
              for i3 in range(0, 2) {
                block pad(vi0: spatial(0, 1) = i0, vi1: spatial(0, 8) = i1, vi2: spatial(0, 8) = i2, vi3: spatial(0, 2) = i3) {
                  reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                  writes(pad[vi0, vi1, vi2, vi3]);
                  pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                }
              }
            }
          }
        }
        for ax0 in range(0, 1) {
          for ax1 in range(0, 3) {
            for ax2 in range(0, 3) {
              for ax3 in range(0, 3) {
                for ax4 in range(0, 3) {
                  for ax5 in range(0, 2) {
                    block pad_reindex(vn: spatial(0, 1) = ax0, vh: spatial(0, 3) = ax1, vw: spatial(0, 3) = ax2, vrh: spatial(0, 3) = ax3, vrw: spatial(0, 3) = ax4, vrc: spatial(0, 2) = ax5) {
                      reads(pad[vn, vh * 2 + vrh, vw * 2 + vrw, vrc]);
                      writes(pad_reindex[vn, vh, vw, vrh, vrw, vrc]);
                      pad_reindex[vn, vh, vw, vrh, vrw, vrc] = pad[vn, vh * 2 + vrh, vw * 2 + vrw, vrc];
                    }
                  }
                }
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 3) {
            for w in range(0, 3) {
              for co in range(0, 3) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn_1: spatial(0, 1) = n, vh_1: spatial(0, 3) = h, vw_1: spatial(0, 3) = w, vco: spatial(0, 3) = co, vrh_1: reduce(0, 3) = rh, vrw_1: reduce(0, 3) = rw, vrc_1: reduce(0, 2) = rc) {
                        reads(pad_reindex[vn_1, vh_1, vw_1, vrh_1, vrw_1, vrc_1], weight[vrh_1, vrw_1, vrc_1, vco]);
                        writes(conv_reindex[vn_1, vh_1, vw_1, vco]);
                        init {
                          conv_reindex[vn_1, vh_1, vw_1, vco] = 0f32;
                        }
                        conv_reindex[vn_1, vh_1, vw_1, vco] = conv_reindex[vn_1, vh_1, vw_1, vco] + pad_reindex[vn_1, vh_1, vw_1, vrh_1, vrw_1, vrc_1] * weight[vrh_1, vrw_1, vrc_1, vco];
                      }
                    }
                  }
                }
              }
            }
          }
        }
        for ax0_1 in range(0, 1) {
          for ax1_1 in range(0, 3) {
            for ax2_1 in range(0, 3) {
              for ax3_1 in range(0, 3) {
                block conv_reindex(vn_2: spatial(0, 1) = ax0_1, vh_2: spatial(0, 3) = ax1_1, vw_2: spatial(0, 3) = ax2_1, vco_1: spatial(0, 3) = ax3_1) {
                  reads(conv_reindex[vn_2, vh_2, vw_2, vco_1]);
                  writes(conv[vn_2, vh_2, vw_2, vco_1]);
                  conv[vn_2, vh_2, vw_2, vco_1] = conv_reindex[vn_2, vh_2, vw_2, vco_1];
                }
              }
            }
          }
        }
      }
    }
  )"));
  expect_same_results(f, sch.func());
  expect_replays(f, sch);
}

TEST(TransformLayout, Conv2dPaddedInputToBlockedLayout) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  // NHWC -> N C H W/4 4: 8 is a multiple of 4, so nothing is padded.
  sch.transform_layout(conv, 0, BufferIndexKind::kRead,
                       IndexMap::from_lambda({"n", "h", "w", "c"}, [](const std::vector<Var>& v) {
                         return std::vector<Expr>{v[0], v[3], v[1], floordiv(v[2], make_int(4)),
                                                  floormod(v[2], make_int(4))};
                       }));
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 2, 8, 2, 4];
        for i0 in range(0, 1) {
          for i1 in range(0, 8) {
            for i2 in range(0, 8) {
              for i3 in range(0, 2) {
                block pad(vi0: spatial(0, 1) = i0, vi1: spatial(0, 8) = i1, vi2: spatial(0, 8) = i2, vi3: spatial(0, 2) = i3) {
                  reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                  writes(pad[vi0, vi3, vi1, floordiv(vi2, 4), floormod(vi2, 4)]);
                  pad[vi0, vi3, vi1, floordiv(vi2, 4), floormod(vi2, 4)] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                }
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 3) {
            for w in range(0, 3) {
              for co in range(0, 3) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 3) = h, vw: spatial(0, 3) = w, vco: spatial(0, 3) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                        reads(pad[0, vrc, vh * 2 + vrh, floordiv(vw * 2 + vrw, 4), floormod(vw * 2 + vrw, 4)], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vrc, vh * 2 + vrh, floordiv(vw * 2 + vrw, 4), floormod(vw * 2 + vrw, 4)] * weight[vrh, vrw, vrc, vco];
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
  expect_replays(f, sch);
}

TEST(TransformLayout, PaddingNeedsAPadValue) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  IndexMap by3 = IndexMap::parse("(n, h, w, c) -> (n, h, floordiv(w, 3), c, floormod(w, 3))");
  std::string message =
      error_of([&] { sch.transform_layout(conv, 0, BufferIndexKind::kRead, by3); });
  EXPECT_TRUE(has(message,
                  "transform_layout: index map (n, h, w, c) -> (n, h, floordiv(w, 3), c, "
                  "floormod(w, 3)) maps 'pad' [1, 8, 8, 2] "
                  "into [1, 8, 3, 2, 3] without covering it; give a pad_value"))
      << message;
  sch.transform_layout(conv, 0, BufferIndexKind::kRead, by3, 0.0);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 8, 3, 2, 3];
        for ax0 in range(0, 1) {
          for ax1 in range(0, 8) {
            for ax2 in range(0, 3) {
              for ax3 in range(0, 2) {
                for ax4 in range(0, 3) {
                  block pad_pad_fill(v0: spatial(0, 1) = ax0, v1: spatial(0, 8) = ax1, v2: spatial(0, 3) = ax2, v3: spatial(0, 2) = ax3, v4: spatial(0, 3) = ax4) {
                    reads();
                    writes(pad[v0, v1, v2, v3, v4]);
                    pad[v0, v1, v2, v3, v4] = 0f32;
                  }
                }
              }
            }
          }
        }
        for i0 in range(0, 1) {
          for i1 in range(0, 8) {
            for i2 in range(0, 8) {
              for i3 in range(0, 2) {
                block pad(vi0: spatial(0, 1) = i0, vi1: spatial(0, 8) = i1, vi2: spatial(0, 8) = i2, vi3: spatial(0, 2) = i3) {
                  reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                  writes(pad[vi0, vi1, floordiv(vi2, 3), vi3, floormod(vi2, 3)]);
                  pad[vi0, vi1, floordiv(vi2, 3), vi3, floormod(vi2, 3)] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                }
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 3) {
            for w in range(0, 3) {
              for co in range(0, 3) {
                for rh in range(0, 3) {
                  for rw in range(0, 3) {
                    for rc in range(0, 2) {
                      block conv(vn: spatial(0, 1) = n, vh: spatial(0, 3) = h, vw: spatial(0, 3) = w, vco: spatial(0, 3) = co, vrh: reduce(0, 3) = rh, vrw: reduce(0, 3) = rw, vrc: reduce(0, 2) = rc) {
                        reads(pad[0, vh * 2 + vrh, floordiv(vw * 2 + vrw, 3), vrc, floormod(vw * 2 + vrw, 3)], weight[vrh, vrw, vrc, vco]);
                        writes(conv[vn, vh, vw, vco]);
                        init {
                          conv[vn, vh, vw, vco] = 0f32;
                        }
                        conv[vn, vh, vw, vco] = conv[vn, vh, vw, vco] + pad[vn, vh * 2 + vrh, floordiv(vw * 2 + vrw, 3), vrc, floormod(vw * 2 + vrw, 3)] * weight[vrh, vrw, vrc, vco];
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
  expect_replays(f, sch);
  EXPECT_TRUE(
      has(sch.trace()->as_cpp(),
          "sch.transform_layout(b0, 0, BufferIndexKind::kRead, IndexMap::parse(\"(n, h, w, c) -> "
          "(n, h, floordiv(w, 3), c, floormod(w, 3))\"), 0.0);"))
      << sch.trace()->as_cpp();
}

TEST(TransformBlockLayout, FusesAndSplitsTheIterationSpace) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV conv = sch.get_block("conv");
  sch.transform_block_layout(
      conv, IndexMap::parse("(n, h, w, co, rh, rw, rc) -> (n, h * 3 + w, co, rh * 3 + rw, rc)"));
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 8, 8, 2];
        for i0 in range(0, 1) {
          for i1 in range(0, 8) {
            for i2 in range(0, 8) {
              for i3 in range(0, 2) {
                block pad(vi0: spatial(0, 1) = i0, vi1: spatial(0, 8) = i1, vi2: spatial(0, 8) = i2, vi3: spatial(0, 2) = i3) {
                  reads(data[0, vi1 - 1, vi2 - 1, vi3]);
                  writes(pad[vi0, vi1, vi2, vi3]);
                  pad[vi0, vi1, vi2, vi3] = if_then_else(vi1 >= 1 && vi1 < 7 && vi2 >= 1 && vi2 < 7, data[vi0, vi1 - 1, vi2 - 1, vi3], 0f32);
                }
              }
            }
          }
        }
        for ax0 in range(0, 1) {
          for ax1 in range(0, 9) {
            for ax2 in range(0, 3) {
              for ax3 in range(0, 9) {
                for ax4 in range(0, 2) {
                  block conv(v0: spatial(0, 1) = ax0, v1: spatial(0, 9) = ax1, v2: spatial(0, 3) = ax2, v3: reduce(0, 9) = ax3, v4: reduce(0, 2) = ax4) {
                    reads(pad[0, floordiv(v1, 3) * 2 + floordiv(v3, 3), floormod(v1, 3) * 2 + floormod(v3, 3), v4], weight[floordiv(v3, 3), floormod(v3, 3), v4, v2]);
                    writes(conv[0, floordiv(v1, 3), floormod(v1, 3), v2]);
                    init {
                      conv[0, floordiv(v1, 3), floormod(v1, 3), v2] = 0f32;
                    }
                    conv[0, floordiv(v1, 3), floormod(v1, 3), v2] = conv[0, floordiv(v1, 3), floormod(v1, 3), v2] + pad[0, floordiv(v1, 3) * 2 + floordiv(v3, 3), floormod(v1, 3) * 2 + floormod(v3, 3), v4] * weight[floordiv(v3, 3), floormod(v3, 3), v4, v2];
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
  expect_replays(f, sch);
  std::string mixed = error_of([&] {
    sch.transform_block_layout(sch.get_block("conv"),
                               IndexMap::parse("(a, b, c, d, e) -> (a, b, c * 9 + d, e)"));
  });
  EXPECT_TRUE(
      has(mixed, "output 2 (c * 9 + d) of the index map mixes spatial and reduction variables"))
      << mixed;
}

TEST(PadEinsum, PrimeGemmPadsTo128AndVectorizes) {
  PrimFunc f = workloads::get(kPrimeGemm).func;
  Schedule sch(f, 0, true, true);
  BlockRV c = sch.get_block("C");
  sch.pad_einsum(c, {16, 16, 16});
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, 16});
  sch.vectorize(j[1]);
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func gemm(A: float32[127, 127], B: float32[127, 127], C: float32[127, 127]) with {"global_symbol": "gemm"} {
      block root() {
        reads();
        writes();
        alloc C_pad: float32[128, 128];
        alloc A_pad: float32[128, 128];
        alloc B_pad: float32[128, 128];
        for ax0 in range(0, 128) {
          for ax1 in range(0, 128) {
            block A_pad(v0: spatial(0, 128) = ax0, v1: spatial(0, 128) = ax1) {
              reads(A[v0, v1]);
              writes(A_pad[v0, v1]);
              A_pad[v0, v1] = if_then_else(v0 < 127 && v1 < 127, A[v0, v1], 0f32);
            }
          }
        }
        for ax0_1 in range(0, 128) {
          for ax1_1 in range(0, 128) {
            block B_pad(v0_1: spatial(0, 128) = ax0_1, v1_1: spatial(0, 128) = ax1_1) {
              reads(B[v0_1, v1_1]);
              writes(B_pad[v0_1, v1_1]);
              B_pad[v0_1, v1_1] = if_then_else(v0_1 < 127 && v1_1 < 127, B[v0_1, v1_1], 0f32);
            }
          }
        }
        for i in range(0, 128) {
          for j_0 in range(0, 8) {
            for j_1 in vectorized(0, 16) {
              for k in range(0, 128) {
                block C(vi: spatial(0, 128) = i, vj: spatial(0, 128) = j_0 * 16 + j_1, vk: reduce(0, 128) = k) {
                  reads(A_pad[vi, vk], B_pad[vk, vj]);
                  writes(C_pad[vi, vj]);
                  init {
                    C_pad[vi, vj] = 0f32;
                  }
                  C_pad[vi, vj] = C_pad[vi, vj] + A_pad[vi, vk] * B_pad[vk, vj];
                }
              }
            }
          }
        }
        for ax0_2 in range(0, 127) {
          for ax1_2 in range(0, 127) {
            block C_pad(v0_2: spatial(0, 127) = ax0_2, v1_2: spatial(0, 127) = ax1_2) {
              reads(C_pad[v0_2, v1_2]);
              writes(C[v0_2, v1_2]);
              C[v0_2, v1_2] = C_pad[v0_2, v1_2];
            }
          }
        }
      }
    }
  )"));
  testing_util::expect_same_results_compiled(f, sch.func());
  expect_replays(f, sch);
}

TEST(PadEinsum, RefusesWhatIsNotAnEinsumOrWouldNotAddZeros) {
  Schedule conv(workloads::get(kConv).func);
  std::string message =
      error_of([&] { conv.pad_einsum(conv.get_block("conv"), {1, 2, 2, 2, 1, 1, 1}); });
  EXPECT_TRUE(has(message,
                  "block 'conv' indexes 'pad' with 'vh * 2 + vrh'; an einsum indexes buffers by "
                  "iteration variables or constants only"))
      << message;
  Schedule softmax(workloads::get("SFM:m=3,n=5").func);
  message = error_of([&] { softmax.pad_einsum(softmax.get_block("row_max"), {1, 4}); });
  EXPECT_TRUE(has(message, "padding the reduction variable")) << message;
  Schedule gemm(workloads::get(kPrimeGemm).func);
  BlockRV c = gemm.get_block("C");
  gemm.decompose_reduction(c, gemm.get_loops(c)[0]);
  message = error_of([&] { gemm.pad_einsum(c, {2, 2, 1}); });
  EXPECT_TRUE(has(message, "block 'C' accumulates into what 'C' already holds (it has no init)"))
      << message;
  message = error_of([&] { gemm.pad_einsum(c, {2, 2}); });
  EXPECT_TRUE(has(message, "block 'C' has 3 iteration variables but 2 padding factors were given"))
      << message;
}

TEST(DecomposePadding, HotLoopHasNoCondition) {
  PrimFunc f = workloads::get(kConv).func;
  Schedule sch(f, 0, true, true);
  BlockRV pad = sch.get_block("pad");
  std::vector<LoopRV> l = sch.get_loops(pad);
  BlockRV fill = sch.decompose_padding(pad, l[0]);
  EXPECT_EQ(sch.get(fill)->name, "pad_pad_const");
  EXPECT_TRUE(testing_util::same_program(sch.func(), R"(
    func conv2d_nhwc(data: float32[1, 6, 6, 2], weight: float32[3, 3, 2, 3], conv: float32[1, 3, 3, 3]) with {"global_symbol": "conv2d_nhwc"} {
      block root() {
        reads();
        writes();
        alloc pad: float32[1, 8, 8, 2];
        for i0_c in range(0, 1) {
          for i1_c in range(0, 8) {
            for i2_c in range(0, 8) {
              for i3_c in range(0, 2) {
                block pad_pad_const(vi0: spatial(0, 1) = i0_c, vi1: spatial(0, 8) = i1_c, vi2: spatial(0, 8) = i2_c, vi3: spatial(0, 2) = i3_c) {
                  reads();
                  writes(pad[vi0, vi1, vi2, vi3]);
                  pad[vi0, vi1, vi2, vi3] = 0f32;
                }
              }
            }
          }
        }
        for i0 in range(0, 1) {
          for i1 in range(0, 6) {
            for i2 in range(0, 6) {
              for i3 in range(0, 2) {
                block pad(vi0_1: spatial(0, 1) = i0, vi1_1: spatial(1, 6) = i1 + 1, vi2_1: spatial(1, 6) = i2 + 1, vi3_1: spatial(0, 2) = i3) {
                  reads(data[0, vi1_1 - 1, vi2_1 - 1, vi3_1]);
                  writes(pad[vi0_1, vi1_1, vi2_1, vi3_1]);
                  pad[vi0_1, vi1_1, vi2_1, vi3_1] = data[vi0_1, vi1_1 - 1, vi2_1 - 1, vi3_1];
                }
              }
            }
          }
        }
        for n in range(0, 1) {
          for h in range(0, 3) {
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
  )"));
  expect_same_results(f, sch.func());
  expect_replays(f, sch);
  std::string message = error_of([&] {
    sch.decompose_padding(sch.get_block("conv"), sch.get_loops(sch.get_block("conv"))[0]);
  });
  EXPECT_TRUE(has(message, "block 'conv' is not a complete")) << message;
}

}  // namespace
}  // namespace tessera
