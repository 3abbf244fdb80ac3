// conv2d_nhwc_manual: a handwritten schedule for the NHWC convolution (blocks "pad" and
// "conv", weight HWIO), treated as a GEMM over output pixels x output channels with the
// reduction rh x rw x rc:
//   - the zero-padded input (if any) is built once, its rows in parallel and channels
//     vectorized;
//   - an mr x nr tile of the output (mr pixels along w, nr output channels) is
//     accumulated in vector registers across the whole reduction: loops
//     (n, h) fused and parallel > co0 > w0 > rh > rw > rc > w1 (mr, unrolled) > co1 (nr,
//     vectorized), with the output's initialisation decomposed out of the reduction;
//   - weight rows are read in place (contiguous in co): packing them would cost a copy of
//     the weights per call, which inference libraries do once, ahead of time.
// Tile sizes are the largest divisors of w and co up to 8 and 32.
#include "tessera/schedule/space_registry.h"
#include "tile_sizes.h"

namespace tessera {

namespace {

void conv2d_nhwc_manual(Schedule& sch) {
  const char* name = "conv2d_nhwc_manual";
  BlockRV conv = sch.get_block("conv");
  std::vector<LoopRV> l = sch.get_loops(conv);  // n, h, w, co, rh, rw, rc
  if (l.size() != 7)
    fail("{}: block 'conv' should have 7 loops (n, h, w, co, rh, rw, rc), it has {}", name,
         l.size());
  const int64_t mr = spaces::largest_divisor_at_most(spaces::extent_of(sch, l[2], name), 8);
  const int64_t nr = spaces::largest_divisor_at_most(spaces::extent_of(sch, l[3], name), 32);

  // The padding stage, when there is one (pad > 0): rows in parallel, channels vectorized.
  for (const BlockRV& producer : sch.get_producers(conv)) {
    std::vector<LoopRV> p = sch.get_loops(producer);
    if (p.size() != 4) continue;
    sch.parallel(sch.fuse({p[0], p[1]}));
    sch.vectorize(p[3]);
  }

  std::vector<LoopRV> w = sch.split(l[2], {std::nullopt, mr});
  std::vector<LoopRV> co = sch.split(l[3], {std::nullopt, nr});
  sch.reorder({co[0], w[0], l[4], l[5], l[6], w[1], co[1]});
  LoopRV rows = sch.fuse({l[0], l[1]});
  BlockRV init = sch.decompose_reduction(conv, l[4]);
  sch.vectorize(sch.get_loops(init).back());
  sch.parallel(rows);
  sch.unroll(w[1]);
  sch.vectorize(co[1]);
}

}  // namespace

TESSERA_REGISTER_SPACE(conv2d_nhwc_manual,
                       "NHWC conv2d: padded input built once, mr x nr output tile in registers, "
                       "vectorized over co, parallel rows");

}  // namespace tessera
