// Every schedule error path and its message (the ones not already covered next to
// their primitive's behaviour tests in schedule_test.cc and regression_test.cc).
#include <gtest/gtest.h>

#include "../common/error_of.h"
#include "tessera/schedule/schedule.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;

struct Case {
  const char* name;
  const char* workload;
  std::function<void(Schedule&)> run;
  const char* message;
};

LoopRV loop_of(Schedule& sch, const char* block, size_t i) {
  return sch.get_loops(sch.get_block(block))[i];
}

TEST(ScheduleErrors, EveryPathHasAClearMessage) {
  const std::vector<Case> cases = {
      {"split a parallel loop", "gemm:m=8,n=8,k=8",
       [](Schedule& s) {
         LoopRV l = loop_of(s, "C", 0);
         s.parallel(l);
         s.split(l, {2, 4});
       },
       "split: loop 'i' is parallel; split it before changing its kind"},
      {"split one factor", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.split(loop_of(s, "C", 0), std::vector<FactorArg>{8}); },
       "split: needs at least 2 factors, got 1"},
      {"fuse one loop", "gemm:m=8,n=8,k=8", [](Schedule& s) { s.fuse({loop_of(s, "C", 0)}); },
       "fuse: needs at least 2 loops, got 1"},
      {"fuse a vectorized loop", "gemm:m=8,n=8,k=8",
       [](Schedule& s) {
         LoopRV j = loop_of(s, "C", 1);
         s.unroll(j);
         s.fuse({loop_of(s, "C", 0), j});
       },
       "fuse: loop 'j' is unrolled; only serial loops can be fused"},
      {"reorder one loop", "gemm:m=8,n=8,k=8", [](Schedule& s) { s.reorder({loop_of(s, "C", 0)}); },
       "reorder: needs at least 2 loops, got 1"},
      {"reorder across blocks", "elementwise:m=4,n=4",
       [](Schedule& s) { s.reorder({loop_of(s, "add", 0), loop_of(s, "relu", 1)}); },
       "is not on the perfectly nested chain under loop"},
      {"parallel twice with another kind", "gemm:m=8,n=8,k=8",
       [](Schedule& s) {
         LoopRV l = loop_of(s, "C", 0);
         s.unroll(l);
         s.parallel(l);
       },
       "parallel: loop 'i' is already unrolled"},
      {"merge different extents", "elementwise:m=4,n=6",
       [](Schedule& s) { s.merge({loop_of(s, "add", 0), loop_of(s, "scale", 1)}); },
       "is not a sibling of loop"},
      {"merge different kinds", "elementwise:m=4,n=4",
       [](Schedule& s) {
         LoopRV a = loop_of(s, "add", 0);
         s.parallel(a);
         s.merge({a, loop_of(s, "scale", 0)});
       },
       "merge: loop 'i' is range but loop 'i' is parallel"},
      {"merge one loop", "elementwise:m=4,n=4",
       [](Schedule& s) { s.merge({loop_of(s, "add", 0)}); },
       "merge: needs at least 2 loops, got 1"},
      {"compute_inline a reduction", "SFM:m=2,n=3",
       [](Schedule& s) { s.compute_inline(s.get_block("row_max")); },
       "compute_inline: block 'row_max' is not a single store of one buffer"},
      {"compute_inline a permuted store", "TBG:batch=1,seq=2,heads=2,dim=2",
       [](Schedule& s) { s.compute_inline(s.get_block("S")); },
       "compute_inline: block 'S' is not a single store of one buffer"},
      {"reverse_compute_inline with two producers", "elementwise:m=4,n=4",
       [](Schedule& s) { s.reverse_compute_inline(s.get_block("add")); },
       "reverse_compute_inline: block 'add' has 0 producer blocks; it needs exactly one"},
      {"reverse_compute_inline a reduction consumer", "SFM:m=2,n=3",
       [](Schedule& s) { s.reverse_compute_inline(s.get_block("row_sum")); },
       "reverse_compute_inline: block 'row_sum' is not a single store (D[...] = ...;)"},
      {"reverse_compute_inline reading shifted points",
       "C2D:n=1,h=4,w=4,ci=1,co=1,kernel=3,stride=1,pad=1",
       [](Schedule& s) {
         s.compute_inline(s.get_block("pad"));
         s.reverse_compute_inline(s.get_block("conv"));
       },
       "reverse_compute_inline: block 'conv' is not a single store"},
      {"compute_at into a loop of another scope-less place", "elementwise:m=4,n=4",
       [](Schedule& s) { s.compute_at(s.get_block("relu"), loop_of(s, "add", 0)); },
       "compute_at: no block under loop 'i' consumes a buffer written by block 'relu'"},
      {"compute_at after a predicate", "elementwise:m=6,n=4",
       [](Schedule& s) {
         s.split(loop_of(s, "add", 0), {std::nullopt, 4});
         s.compute_at(s.get_block("add"), loop_of(s, "scale", 0));
       },
       "compute_at: block 'add' has a predicate (from a non-divisible split); move it before "
       "splitting"},
      {"reverse_compute_at to root", "elementwise:m=4,n=4",
       [](Schedule& s) { s.reverse_compute_at(s.get_block("relu"), LoopRV::root()); },
       "reverse_compute_at: needs a loop (not the root or inline location)"},
      {"decompose_reduction at a foreign loop", "SFM:m=2,n=3",
       [](Schedule& s) { s.decompose_reduction(s.get_block("row_max"), loop_of(s, "row_sum", 0)); },
       "decompose_reduction: loop 'i' is not one of the loops around block 'row_max'"},
      {"decompose_reduction on a fused spatial/reduction loop", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         std::vector<LoopRV> l = s.get_loops(s.get_block("C"));
         LoopRV f = s.fuse({l[1], l[2]});
         s.decompose_reduction(s.get_block("C"), f);
       },
       "decompose_reduction: loop 'j_k_fused' feeds both spatial and reduction variables of block "
       "'C'"},
      {"rfactor of a spatial block", "elementwise:m=4,n=4",
       [](Schedule& s) { s.rfactor(loop_of(s, "add", 0), 0); },
       "rfactor: block 'add' is not a reduction block"},
      {"rfactor over two blocks", "SFM:m=2,n=3",
       [](Schedule& s) {
         s.compute_at(s.get_block("row_max"), loop_of(s, "row_exp", 0));
         s.rfactor(loop_of(s, "row_exp", 0), 0);
       },
       "rfactor: loop 'i' must contain exactly one block, it contains 2"},
      {"cache_read with no scope", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.cache_read(s.get_block("C"), 0, ""); },
       "cache_read: the storage scope is empty"},
      {"cache_write out of range", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.cache_write(s.get_block("C"), 1, "local"); },
       "cache_write: block 'C' has 1 write regions; index 1 is out of range"},
      {"sample_perfect_tile n = 0", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.sample_perfect_tile(loop_of(s, "C", 0), 0, 0); },
       "sample_perfect_tile: n must be at least 1, got 0"},
      {"sample_perfect_tile wrong count", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         s.sample_perfect_tile(loop_of(s, "C", 0), 2, 0, std::vector<int64_t>{4});
       },
       "sample_perfect_tile: decision [4] has 1 factors, expected 2"},
      {"sample_perfect_tile zero factor", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         s.sample_perfect_tile(loop_of(s, "C", 0), 2, 0, std::vector<int64_t>{0, 4});
       },
       "sample_perfect_tile: decision [0, 4] has a factor below 1"},
      {"sample_categorical negative", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.sample_categorical({1, 2}, {0.5, -1}); },
       "sample_categorical: probability -1 is negative or NaN"},
      {"sample_categorical zero sum", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.sample_categorical({1}, {0}); },
       "sample_categorical: the probabilities sum to 0"},
      {"sample_categorical bad decision", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.sample_categorical({1, 2}, {0.5, 0.5}, 5); },
       "sample_categorical: decision 5 is not an index into the 2 candidates"},
      {"unannotate a block", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.unannotate(s.get_block("C"), "x"); },
       "unannotate: block 'C' has no annotation 'x'"},
      {"annotate a wrong type", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.annotate(s.get_block("C"), "tessera.tiling_structure", int64_t{3}); },
       "annotate: block 'C': annotation 'tessera.tiling_structure' takes a string value"},
      {"annotate unroll explicit", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.annotate(loop_of(s, "C", 0), "pragma_unroll_explicit", int64_t{2}); },
       "annotation 'pragma_unroll_explicit' must be 0 or 1, got 2"},
      {"a loop RV used as a location", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.vectorize(LoopRV::root()); },
       "this LoopRV is the root or inline compute location, not a loop"},
      {"a foreign RV", "gemm:m=4,n=4,k=4", [](Schedule& s) { s.vectorize(LoopRV{12345}); },
       "LoopRV #12345 does not belong to this schedule"},
      // Loop partition.
      {"partition into one part", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.loop_partition(loop_of(s, "C", 0), {8}); },
       "loop_partition: needs at least 2 parts, got 1"},
      {"partition parts that do not sum", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.loop_partition(loop_of(s, "C", 0), {3, 4}); },
       "loop_partition: parts [3, 4] sum to 7, not to the extent 8 of loop 'i'"},
      {"partition an empty part", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.loop_partition(loop_of(s, "C", 0), {0, 8}); },
       "loop_partition: part 0 has extent 0; extents must be positive"},
      {"partition leaving nothing to infer", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.loop_partition(loop_of(s, "C", 0), {8, std::nullopt}); },
       "loop_partition: the given parts sum to 8, leaving 0 for the inferred part 1 of loop 'i' "
       "(extent 8)"},
      {"partition with two inferred", "gemm:m=8,n=8,k=8",
       [](Schedule& s) { s.loop_partition(loop_of(s, "C", 0), {std::nullopt, std::nullopt}); },
       "loop_partition: at most one part's extent may be inferred"},
      {"partition a bound loop", "gemm:m=8,n=8,k=8",
       [](Schedule& s) {
         LoopRV l = loop_of(s, "C", 0);
         s.bind(l, "blockIdx.x");
         s.loop_partition(l, {4, 4});
       },
       "loop_partition: loop 'i' is bound to blockIdx.x; its parts could not all be bound to it"},
      // Layout.
      {"reindex out of range", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.reindex(s.get_block("C"), 2, BufferIndexKind::kRead); },
       "reindex: block 'C' has 2 read regions; index 2 is out of range"},
      {"reindex a guarded read", "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) { s.reindex(s.get_block("pad"), 0, BufferIndexKind::kRead); },
       "reindex: block 'pad' reads 'data' at [vi0, vi1 - 1, vi2 - 1, vi3], which can fall outside "
       "the buffer"},
      {"reindex an update", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         BlockRV c = s.get_block("C");
         s.decompose_reduction(c, loop_of(s, "C", 0));
         s.reindex(c, 0, BufferIndexKind::kWrite);
       },
       "reindex: block 'C' both reads and writes 'C'"},
      {"transform a parameter's layout", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         s.transform_layout(s.get_block("C"), 0, BufferIndexKind::kRead,
                            IndexMap::parse("(i, j) -> (j, i)"));
       },
       "transform_layout: 'A' is a parameter, whose layout belongs to the caller"},
      {"transform with the wrong arity", "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) {
         s.transform_layout(s.get_block("pad"), 0, BufferIndexKind::kWrite,
                            IndexMap::parse("(i, j) -> (j, i)"));
       },
       "transform_layout: the index map (i, j) -> (j, i) takes 2 indices but 'pad' has 4 "
       "dimensions"},
      {"transform with a non-injective map", "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) {
         s.transform_layout(s.get_block("pad"), 0, BufferIndexKind::kWrite,
                            IndexMap::parse("(n, h, w, c) -> (n, floormod(h, 2), w, c)"));
       },
       "sends two elements of 'pad' [1, 6, 6, 2] to the same place"},
      {"transform with a negative index", "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) {
         s.transform_layout(s.get_block("pad"), 0, BufferIndexKind::kWrite,
                            IndexMap::parse("(n, h, w, c) -> (n, h - 1, w, c)"));
       },
       "the output 'h - 1' can be negative"},
      {"transform a block not alone in its loops",
       "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) {
         s.compute_at(s.get_block("pad"), loop_of(s, "conv", 1));
         s.transform_block_layout(
             s.get_block("conv"),
             IndexMap::parse("(a, b, c, d, e, f, g) -> (a, b, c, d, e, f, g)"));
       },
       "transform_block_layout: loop 'n' holds other blocks besides 'conv'"},
      {"transform a block with a non-bijective map", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         s.transform_block_layout(
             s.get_block("C"),
             IndexMap::parse("(i, j, k) -> (i, floordiv(j, 3), floormod(j, 3), k)"));
       },
       "is not a usable bijection of block 'C''s iteration space [4, 4, 4]: it does not cover the "
       "new space [4, 2, 3, 4]"},
      {"transform a split block", "gemm:m=4,n=4,k=4",
       [](Schedule& s) {
         s.split(loop_of(s, "C", 0), {2, 2});
         s.transform_block_layout(s.get_block("C"), IndexMap::parse("(i, j, k) -> (j, i, k)"));
       },
       "transform_block_layout: block 'C' has 4 loops for 3 iteration variables"},
      {"pad a block with a zero factor", "gemm:m=4,n=4,k=4",
       [](Schedule& s) { s.pad_einsum(s.get_block("C"), {0, 1, 1}); },
       "pad_einsum: padding factor 0 is 0; factors must be positive"},
      {"decompose padding of a plain copy", "elementwise:m=4,n=4",
       [](Schedule& s) { s.decompose_padding(s.get_block("add"), loop_of(s, "add", 0)); },
       "decompose_padding: block 'add' is not a padding block"},
      {"decompose padding at a foreign loop", "C2D:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
       [](Schedule& s) { s.decompose_padding(s.get_block("pad"), loop_of(s, "conv", 0)); },
       "decompose_padding: loop 'n' is not a loop of block 'pad'"},
  };
  for (const Case& c : cases) {
    Schedule sch(workloads::get(c.workload).func);
    std::string message = error_of([&] { c.run(sch); });
    EXPECT_NE(message.find(c.message), std::string::npos)
        << c.name << "\n  got: " << message.substr(0, 300);
  }
}

}  // namespace
}  // namespace tessera
