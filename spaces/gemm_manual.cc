// gemm_manual: a handwritten schedule for GEMM (block "C" computing
// C[i, j] += A[i, k] * B[k, j]) in the BLIS style:
//   - B is packed (cache_read + transform_layout) into panels Bp[j / nr, k, j % nr], so
//     the micro-kernel reads it contiguously;
//   - the loops become ic (parallel, mc rows) > k0 (kc) > j0 (nr) > i0 (mr) > k1 > i1 (mr,
//     unrolled) > j1 (nr, vectorized): an mr x nr block of C stays in vector registers
//     across k1, B's kc x nr panel stays in L1 and A's mc x kc block in L2;
//   - the initialisation of C is its own loop nest before k0 (decompose_reduction), so the
//     hot loop has no condition.
// Tile sizes follow the shape: each is the largest divisor of its extent up to the
// preferred size, so the schedule applies to any GEMM.
#include <fmt/format.h>

#include "tessera/schedule/space_registry.h"
#include "tile_sizes.h"

namespace tessera {

namespace {

void gemm_manual(Schedule& sch) {
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  if (l.size() != 3)
    fail("gemm_manual: block 'C' should have 3 loops (i, j, k), it has {}", l.size());
  const int64_t m = spaces::extent_of(sch, l[0], "gemm_manual"),
                n = spaces::extent_of(sch, l[1], "gemm_manual"),
                k = spaces::extent_of(sch, l[2], "gemm_manual");
  const int64_t nr = spaces::largest_divisor_at_most(n, 32),
                mr = spaces::largest_divisor_at_most(m, 8);
  const int64_t mc = mr * spaces::largest_divisor_at_most(m / mr, 64 / mr),
                kc = spaces::largest_divisor_at_most(k, 256);

  // Pack B into nr-wide panels.
  BlockRV pack = sch.cache_read(c, 1, "global");
  sch.transform_layout(
      pack, 0, BufferIndexKind::kWrite,
      IndexMap::parse(fmt::format("(k, j) -> (floordiv(j, {0}), k, floormod(j, {0}))", nr)));
  std::vector<LoopRV> p = sch.get_loops(pack);
  std::vector<LoopRV> pj = sch.split(p[1], {std::nullopt, nr});
  sch.reorder({pj[0], p[0], pj[1]});
  sch.parallel(pj[0]);
  sch.vectorize(pj[1]);

  std::vector<LoopRV> i = sch.split(l[0], {std::nullopt, mc / mr, mr});
  std::vector<LoopRV> j = sch.split(l[1], {std::nullopt, nr});
  std::vector<LoopRV> kk = sch.split(l[2], {std::nullopt, kc});
  sch.reorder({i[0], kk[0], j[0], i[1], kk[1], i[2], j[1]});
  BlockRV init = sch.decompose_reduction(c, kk[0]);
  sch.vectorize(sch.get_loops(init).back());
  sch.parallel(i[0]);
  sch.unroll(i[2]);
  sch.vectorize(j[1]);
}

}  // namespace

TESSERA_REGISTER_SPACE(gemm_manual,
                       "GEMM: packed B panels, register-tiled mr x nr micro-kernel, vectorized and "
                       "unrolled, parallel rows");

}  // namespace tessera
