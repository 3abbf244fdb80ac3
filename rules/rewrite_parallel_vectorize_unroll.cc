// RewriteParallelVectorizeUnroll: turns the limits ParallelizeVectorizeUnroll annotated
// on a block into loops, now that the tile sizes are known: the longest suffix of its
// loops that steps contiguously through memory (data parallel, alone in their parent,
// product within the vector limit) is fused and vectorized; the outer data-parallel
// loops are fused and parallelized until the product reaches the parallel limit; a
// reduction's outermost loop gets the unroll step (pragma_auto_unroll_max_step).
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_postprocs.h"

namespace tessera {
namespace {

int64_t int_annotation(const BlockNode* b, const char* key) {
  auto it = b->annotations.find(key);
  if (it == b->annotations.end() || !std::holds_alternative<int64_t>(it->second)) return 0;
  return std::get<int64_t>(it->second);
}

// Fuses `loops` and applies `kind` to the result; when the primitive refuses, the
// schedule is left as it was (no fused serial loop behind).
void try_rewrite(Schedule& sch, const std::vector<LoopRV>& loops,
                 void (Schedule::*kind)(const LoopRV&)) {
  Schedule attempt = sch.copy();
  try {
    (attempt.*kind)(loops.size() == 1 ? loops[0] : attempt.fuse(loops));
    sch = std::move(attempt);
  } catch (const ScheduleError&) {}
}

class RewriteParallelVectorizeUnroll : public Postproc {
 public:
  std::string name() const override { return "RewriteParallelVectorizeUnroll"; }

  bool apply(Schedule& sch, std::string& reason) override {
    (void)reason;  // never rejects: a block that cannot take the annotations keeps serial loops
    std::vector<std::string> annotated;
    for (const BlockNode* b : sch.state().blocks()) {
      if (b->annotations.count(annotation_key::kParallel) ||
          b->annotations.count(annotation_key::kVectorize) ||
          b->annotations.count(annotation_key::kUnroll)) {
        annotated.push_back(b->name);
      }
    }
    for (const std::string& name : annotated) {
      const ScheduleState::BlockEntry* e = sch.state().find_block(name);
      if (e == nullptr) continue;
      const int64_t parallel = int_annotation(e->block, annotation_key::kParallel);
      const int64_t vectorize = int_annotation(e->block, annotation_key::kVectorize);
      const int64_t unroll = int_annotation(e->block, annotation_key::kUnroll);
      BlockRV b = sch.get_block(name);
      for (const char* key :
           {annotation_key::kParallel, annotation_key::kVectorize, annotation_key::kUnroll}) {
        if (e->block->annotations.count(key)) sch.unannotate(b, key);
        e = sch.state().find_block(name);
      }
      const size_t n = e->loops.size();
      size_t num_vector = vectorize > 0 ? vectorizable_loops(sch.state(), *e, vectorize) : 0;
      size_t num_parallel = parallel > 0 ? parallelizable_loops(sch.state(), *e, parallel) : 0;
      if (num_parallel + num_vector > n) num_parallel = n - num_vector;  // the vector loop wins
      std::vector<LoopRV> loops = sch.get_loops(b);
      // Each independently: a primitive may refuse (a loop shared with another block whose
      // iterations overlap, say), and those loops then stay serial.
      if (num_vector > 0) {
        std::vector<LoopRV> suffix(loops.end() - static_cast<std::ptrdiff_t>(num_vector),
                                   loops.end());
        try_rewrite(sch, suffix, &Schedule::vectorize);
      }
      if (num_parallel > 0) {
        std::vector<LoopRV> prefix(loops.begin(),
                                   loops.begin() + static_cast<std::ptrdiff_t>(num_parallel));
        try_rewrite(sch, prefix, &Schedule::parallel);
      }
      if (unroll > 0 && !is_spatial_block(sch.state().find_block(name)->block)) {
        std::vector<LoopRV> now = sch.get_loops(b);
        if (!now.empty()) {
          sch.annotate(now.front(), annotation_key::kAutoUnrollMaxStep, unroll);
          sch.annotate(now.front(), annotation_key::kUnrollExplicit, int64_t{1});
        }
      }
    }
    return true;
  }
};

}  // namespace

std::shared_ptr<Postproc> make_rewrite_parallel_vectorize_unroll() {
  return std::make_shared<RewriteParallelVectorizeUnroll>();
}

TESSERA_REGISTER_COMPONENT(Postproc, RewriteParallelVectorizeUnroll,
                           "turns ParallelizeVectorizeUnroll's annotations into a fused parallel "
                           "loop, a fused vector loop and an unroll pragma",
                           "");

}  // namespace tessera
