// depthwise_conv2d_template: the AutoTVM-style template of depthwise_conv2d_manual: the
// register tile over (w, c) and the unroll step are sampled; the padding is inlined.
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/space_registry.h"
#include "tile_sizes.h"

namespace tessera {

namespace {

void depthwise_conv2d_template(Schedule& sch) {
  BlockRV dw = sch.get_block("depthwise");
  std::vector<LoopRV> l = sch.get_loops(dw);  // n, h, w, c, rh, rw
  if (l.size() != 6)
    fail(
        "depthwise_conv2d_template: block 'depthwise' should have 6 loops (n, h, w, c, rh, rw), it "
        "has {}",
        l.size());
  for (const BlockRV& producer : sch.get_producers(dw)) sch.compute_inline(producer);
  std::vector<ExprRV> tw = sch.sample_perfect_tile(l[2], 2, 16);
  std::vector<ExprRV> tc = sch.sample_perfect_tile(l[3], 2, 64);
  std::vector<LoopRV> w = sch.split(l[2], tw);
  std::vector<LoopRV> c = sch.split(l[3], tc);
  sch.reorder({c[0], w[0], l[4], l[5], w[1], c[1]});
  LoopRV rows = sch.fuse({l[0], l[1]});
  sch.parallel(rows);
  ExprRV unroll = sch.sample_categorical({0, 16, 64}, {1.0 / 3, 1.0 / 3, 1.0 / 3});
  sch.annotate(l[4], annotation_key::kAutoUnrollMaxStep, unroll);
  sch.annotate(l[4], annotation_key::kUnrollExplicit, int64_t{1});
  sch.vectorize(c[1]);
}

}  // namespace

TESSERA_REGISTER_SPACE(depthwise_conv2d_template,
                       "NHWC depthwise conv2d template: sampled (w, c) register tile and unroll "
                       "step, padding inlined");

}  // namespace tessera
