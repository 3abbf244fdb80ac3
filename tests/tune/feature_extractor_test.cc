// Per-store features on programs small enough to work out by hand: a vectorized copy and
// a tiled GEMM. The expected numbers are derived in the comments from docs/features.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tessera/ir/parser.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/feature_extractor.h"

namespace tessera {
namespace {

float log2p1(double x) { return static_cast<float>(std::log2(1 + x)); }

// The value of the named feature in `row` of `features`.
float feature(const Eigen::MatrixXf& features, int row, const std::string& name) {
  const std::vector<std::string>& names = feature_names();
  auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << "no feature named " << name;
  return features(row, static_cast<int>(it - names.begin()));
}

// A 64³ GEMM tiled 8×8 in i and j: loops i0 j0 k i1 j1.
struct TiledGemm {
  Schedule sch{workloads::get("gemm:m=64,n=64,k=64").func};
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> i = sch.split(l[0], {8, 8});
  std::vector<LoopRV> j = sch.split(l[1], {8, 8});
  TiledGemm() { sch.reorder({i[0], j[0], l[2], i[1], j[1]}); }
};

TEST(FeatureExtractor, NamesCoverEveryColumnOnce) {
  const std::vector<std::string>& names = feature_names();
  ASSERT_EQ(static_cast<int>(names.size()), kFeatureCount);
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
}

TEST(FeatureExtractor, VectorizedCopy) {
  PrimFunc copy = parse_prim_func(
      "func copy(A: float32[1024], B: float32[1024]) {\n"
      "  block root() {\n    reads();\n    writes();\n"
      "    for i in range(0, 1024) {\n"
      "      block B(vi: spatial(0, 1024) = i) {\n        reads(A[vi]);\n        writes(B[vi]);\n  "
      "      B[vi] = A[vi];\n      }\n"
      "    }\n  }\n}\n");
  Schedule sch(copy);
  std::vector<LoopRV> loops = sch.split(sch.get_loops(sch.get_block("B"))[0], {64, 16});
  sch.vectorize(loops[1]);
  Eigen::MatrixXf f = extract_features(sch.func());
  ASSERT_EQ(f.rows(), 1);
  ASSERT_EQ(f.cols(), kFeatureCount);
  // No arithmetic: the store only moves data.
  EXPECT_EQ(feature(f, 0, "float_add_sub"), 0);
  EXPECT_EQ(feature(f, 0, "float_mul_add"), 0);
  // One vectorized loop of 16, innermost; nothing unrolled or parallel.
  EXPECT_FLOAT_EQ(feature(f, 0, "vectorize_count"), 1);
  EXPECT_FLOAT_EQ(feature(f, 0, "vectorize_extent_product"), log2p1(16));
  EXPECT_FLOAT_EQ(feature(f, 0, "vectorize_innermost_extent"), log2p1(16));
  EXPECT_EQ(feature(f, 0, "vectorize_position_inner"), 1);
  EXPECT_EQ(feature(f, 0, "unroll_position_none"), 1);
  EXPECT_EQ(feature(f, 0, "parallel_position_none"), 1);
  EXPECT_FLOAT_EQ(feature(f, 0, "outer_loop_product"), log2p1(1024));
  EXPECT_FLOAT_EQ(feature(f, 0, "loop_count"), log2p1(2));
  // A and B touch the same lines and bytes, so they are ordered by name: A first.
  // 1024 floats = 4096 bytes, every byte once; 16 consecutive floats per pass of the
  // inner loop fill one 64-byte line, 64 passes: 64 lines, all distinct. No reuse, so
  // "per reuse" divides by 0.5. Stride 1.
  for (const std::string& b : std::vector<std::string>{"buffer0_", "buffer1_"}) {
    EXPECT_FLOAT_EQ(feature(f, 0, b + "bytes"), log2p1(4096)) << b;
    EXPECT_FLOAT_EQ(feature(f, 0, b + "unique_bytes"), log2p1(4096)) << b;
    EXPECT_FLOAT_EQ(feature(f, 0, b + "lines"), log2p1(64)) << b;
    EXPECT_FLOAT_EQ(feature(f, 0, b + "unique_lines"), log2p1(64)) << b;
    EXPECT_EQ(feature(f, 0, b + "reuse_none"), 1) << b;
    EXPECT_FLOAT_EQ(feature(f, 0, b + "bytes_per_reuse"), log2p1(8192)) << b;
    EXPECT_FLOAT_EQ(feature(f, 0, b + "stride"), 1) << b;
  }
  EXPECT_EQ(feature(f, 0, "buffer0_read"), 1);
  EXPECT_EQ(feature(f, 0, "buffer1_write"), 1);
  EXPECT_EQ(feature(f, 0, "buffer2_bytes"), 0) << "only two buffers: the rest is zero";
  EXPECT_EQ(feature(f, 0, "intensity_9"), 0) << "no flops, no curve";
}

TEST(FeatureExtractor, TiledGemm) {
  TiledGemm g;
  g.sch.parallel(g.i[0]);
  Eigen::MatrixXf f = extract_features(g.sch.func());
  // The init store (C = 0 when k == 0), then the update.
  ASSERT_EQ(f.rows(), 2);
  const int u = 1;
  // Loops i0 (parallel) j0 k i1 j1, 8·8·64·8·8 = 262144 iterations of one mul-add.
  EXPECT_FLOAT_EQ(feature(f, u, "outer_loop_product"), log2p1(262144));
  EXPECT_FLOAT_EQ(feature(f, u, "loop_count"), log2p1(5));
  EXPECT_FLOAT_EQ(feature(f, u, "float_mul_add"), log2p1(262144));
  EXPECT_EQ(feature(f, u, "float_mul"), 0);
  EXPECT_EQ(feature(f, u, "float_add_sub"), 0);
  EXPECT_EQ(feature(f, 0, "float_mul_add"), 0) << "the init store computes nothing";
  EXPECT_FLOAT_EQ(feature(f, u, "parallel_count"), 1);
  EXPECT_FLOAT_EQ(feature(f, u, "parallel_extent_product"), log2p1(8));
  EXPECT_EQ(feature(f, u, "parallel_position_outer"), 1);
  EXPECT_EQ(feature(f, u, "parallel_reduce_fraction"), 0);
  // C is read and written every iteration: 2 · 262144 · 4 bytes; its 64×64 floats are
  // 16384 unique bytes in 64 rows of 4 lines. The inner loop j1 walks 8 consecutive
  // floats (one line per pass, 32768 passes, two accesses): 65536 lines. Its reuse is
  // across k (the loop its index lacks): 64 times, 8·8 iterations apart, an 8×8 tile of
  // 256 bytes in between.
  EXPECT_EQ(feature(f, u, "buffer0_read_write"), 1);
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_bytes"), log2p1(2097152));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_unique_bytes"), log2p1(16384));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_lines"), log2p1(65536));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_unique_lines"), log2p1(256));
  EXPECT_EQ(feature(f, u, "buffer0_reuse_loop"), 1);
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_reuse_count"), log2p1(64));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_reuse_distance_iterations"), log2p1(64));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_reuse_distance_bytes"), log2p1(256));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer0_stride"), 1);
  // A[i, k] and B[k, j]: 1 MiB read each, 32768 lines (A is invariant in j1, so one line
  // per pass; B's 8 floats fit one line). Same lines and bytes: A (by name) first.
  // A is reused across j0 and j1: 64 times, innermost j1, at distance 1 iteration (one
  // float); its innermost varying loop is i1, stride 64 floats.
  EXPECT_EQ(feature(f, u, "buffer1_read"), 1);
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_bytes"), log2p1(1048576));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_lines"), log2p1(32768));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_reuse_count"), log2p1(64));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_reuse_distance_iterations"), log2p1(1));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_reuse_distance_bytes"), log2p1(4));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer1_stride"), log2p1(64));
  // B is reused across i0 and i1, innermost i1: 8 iterations of j1 apart, 8 floats.
  EXPECT_FLOAT_EQ(feature(f, u, "buffer2_reuse_distance_iterations"), log2p1(8));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer2_reuse_distance_bytes"), log2p1(32));
  EXPECT_FLOAT_EQ(feature(f, u, "buffer2_stride"), 1);
  // The whole nest: 524288 flops over 3 · 16384 unique bytes.
  EXPECT_FLOAT_EQ(feature(f, u, "intensity_9"), log2p1(524288.0 / 49152.0));
  // The innermost loop alone (the first sample lies between the nests at k and at j0).
  EXPECT_GT(feature(f, u, "intensity_9"), feature(f, u, "intensity_0"));
}

TEST(FeatureExtractor, AllocationOfACacheStage) {
  TiledGemm g;
  BlockRV cw = g.sch.cache_write(g.c, 0, "global");
  g.sch.reverse_compute_at(cw, g.j[0]);
  Eigen::MatrixXf f = extract_features(g.sch.func());
  // init, update (into C_global, an 8×8 tile allocated under i0 and j0), the copy out.
  ASSERT_EQ(f.rows(), 3);
  EXPECT_FLOAT_EQ(feature(f, 1, "alloc_bytes"), log2p1(256));
  EXPECT_FLOAT_EQ(feature(f, 1, "alloc_outer_product"), log2p1(64));
  EXPECT_FLOAT_EQ(feature(f, 1, "alloc_footprint"), log2p1(64 * 64));
  EXPECT_FLOAT_EQ(feature(f, 1, "outer_product_over_alloc_outer"), log2p1(4096));
  EXPECT_EQ(feature(f, 2, "alloc_bytes"), 0) << "C is a parameter";
}

}  // namespace
}  // namespace tessera
