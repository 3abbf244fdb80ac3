// conv2d_nhwc_template: an AutoTVM-style template for NHWC convolutions (conv2d_nhwc,
// its dilated and batch-norm variants): the output tile over (w, co) and the input
// channel blocking are sampled, and so is where the padding is computed (inlined, at the
// top, or under a loop of the convolution).
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/space_registry.h"
#include "tile_sizes.h"

namespace tessera {

namespace {

void conv2d_nhwc_template(Schedule& sch) {
  BlockRV conv = sch.get_block("conv");
  std::vector<LoopRV> l = sch.get_loops(conv);  // n, h, w, co, rh, rw, rc
  if (l.size() != 7)
    fail(
        "conv2d_nhwc_template: block 'conv' should have 7 loops (n, h, w, co, rh, rw, rc), it has "
        "{}",
        l.size());
  std::vector<ExprRV> tw = sch.sample_perfect_tile(l[2], 2, 16);
  std::vector<ExprRV> tco = sch.sample_perfect_tile(l[3], 3, 64);
  std::vector<ExprRV> trc = sch.sample_perfect_tile(l[6], 2, 64);
  std::vector<LoopRV> w = sch.split(l[2], tw);
  std::vector<LoopRV> co = sch.split(l[3], tco);
  std::vector<LoopRV> rc = sch.split(l[6], trc);
  sch.reorder({l[0], l[1], w[0], co[0], rc[0], l[4], l[5], co[1], rc[1], w[1], co[2]});
  sch.parallel(sch.fuse({l[0], l[1], w[0]}));
  ExprRV unroll = sch.sample_categorical({0, 16, 64, 512}, {0.25, 0.25, 0.25, 0.25});
  sch.annotate(co[1], annotation_key::kAutoUnrollMaxStep, unroll);
  sch.annotate(co[1], annotation_key::kUnrollExplicit, int64_t{1});
  sch.vectorize(co[2]);
  for (const BlockRV& producer : sch.get_producers(conv)) {
    LoopRV at = sch.sample_compute_location(producer);
    sch.compute_at(producer, at, /*preserve_unit_loops=*/true);
  }
}

}  // namespace

TESSERA_REGISTER_SPACE(conv2d_nhwc_template,
                       "NHWC conv2d template: sampled (w, co) output tile, channel blocking, "
                       "unroll step and padding location");

}  // namespace tessera
