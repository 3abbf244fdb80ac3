// gemm_template: an AutoTVM-style template for GEMM. The structure is fixed and
// handwritten (3-level i/j tiles around a 2-level k split, parallel outer tiles, a
// vectorized inner loop; postprocessor RewriteReductionBlock takes the init out of the
// loop nest), but the tile sizes and the unroll step are sampling instructions, so each replay of
// the trace with fresh decisions is another point of the space. Works for gemm (loops i, j, k) and
// batch_matmul (b, i, j, k).
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/space_registry.h"
#include "tile_sizes.h"

namespace tessera {

namespace {

void gemm_template(Schedule& sch) {
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  if (l.size() != 3 && l.size() != 4)
    fail("gemm_template: block 'C' should have loops (i, j, k) or (b, i, j, k), it has {}",
         l.size());
  const size_t first = l.size() - 3;  // a batch loop, if any, stays outermost
  std::vector<ExprRV> ti = sch.sample_perfect_tile(l[first], 3, 64);
  std::vector<ExprRV> tj = sch.sample_perfect_tile(l[first + 1], 3, 64);
  std::vector<ExprRV> tk = sch.sample_perfect_tile(l[first + 2], 2, 64);
  std::vector<LoopRV> i = sch.split(l[first], ti);
  std::vector<LoopRV> j = sch.split(l[first + 1], tj);
  std::vector<LoopRV> k = sch.split(l[first + 2], tk);
  std::vector<LoopRV> order;
  if (first == 1) order.push_back(l[0]);
  for (const LoopRV& loop : {i[0], j[0], k[0], i[1], j[1], k[1], i[2], j[2]}) order.push_back(loop);
  sch.reorder(order);
  std::vector<LoopRV> outer{i[0], j[0]};
  if (first == 1) outer.insert(outer.begin(), l[0]);
  sch.parallel(sch.fuse(outer));
  ExprRV unroll = sch.sample_categorical({0, 16, 64, 512}, {0.25, 0.25, 0.25, 0.25});
  sch.annotate(k[1], annotation_key::kAutoUnrollMaxStep, unroll);
  sch.annotate(k[1], annotation_key::kUnrollExplicit, int64_t{1});
  sch.vectorize(j[2]);
}

}  // namespace

TESSERA_REGISTER_SPACE(gemm_template,
                       "GEMM / batch_matmul template: sampled 3-level i/j and 2-level k tiles and "
                       "unroll step, parallel outer tiles, vectorized j");

}  // namespace tessera
