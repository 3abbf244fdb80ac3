// RewriteReductionBlock: a reduction's init runs where every reduction variable is at
// its minimum, a condition inside the hot loop; decomposing it into its own block before
// the outermost reduction loop takes the condition out (and lets the init vectorize).
#include "tessera/ir/visitor.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_postprocs.h"

namespace tessera {
namespace {

class RewriteReductionBlock : public Postproc {
 public:
  std::string name() const override { return "RewriteReductionBlock"; }

  bool apply(Schedule& sch, std::string& reason) override {
    (void)reason;
    std::vector<std::string> reductions;
    for (const BlockNode* b : sch.state().blocks()) {
      if (b->init.defined() && !is_spatial_block(b)) reductions.push_back(b->name);
    }
    for (const std::string& name : reductions) {
      const ScheduleState::BlockEntry* e = sch.state().find_block(name);
      if (e == nullptr) continue;
      // The outermost loop feeding a reduction variable of this block.
      std::optional<size_t> at;
      for (size_t k = 0; k < e->loops.size() && !at; ++k) {
        for (size_t v = 0; v < e->block->iter_vars.size(); ++v) {
          if (e->block->iter_vars[v].kind == IterKind::kReduce &&
              uses_var(e->realize->iter_values[v], e->loops[k]->loop_var.get())) {
            at = k;
            break;
          }
        }
      }
      if (!at) continue;  // every reduction variable is constant: lowering keeps the init
      try {
        BlockRV b = sch.get_block(name);
        BlockRV init = sch.decompose_reduction(b, sch.get_loops(b)[*at]);
        vectorize_innermost(sch, init);
      } catch (const ScheduleError&) {
        // Left for lowering, which handles an init in place.
      }
    }
    return true;
  }

 private:
  // The init writes a tile of the output: its innermost loop vectorizes when the write is
  // contiguous.
  static void vectorize_innermost(Schedule& sch, const BlockRV& init) {
    const ScheduleState::BlockEntry* e = sch.state().find_block(sch.get(init)->name);
    if (e->loops.empty()) return;
    const ForNode* inner = e->loops.back();
    if (inner->body.get() != e->realize || !constant_extent(inner) ||
        inner->for_kind != ForKind::kSerial || *constant_extent(inner) < 2)
      return;
    for (const std::optional<int64_t>& step : access_steps(sch.state(), inner)) {
      if (!step || (*step != 0 && *step != 1)) return;
    }
    sch.vectorize(sch.get_loops(init).back());
  }
};

}  // namespace

std::shared_ptr<Postproc> make_rewrite_reduction_block() {
  return std::make_shared<RewriteReductionBlock>();
}

TESSERA_REGISTER_COMPONENT(Postproc, RewriteReductionBlock,
                           "decomposes each reduction's init into its own block before its "
                           "outermost reduction loop (vectorized when contiguous)",
                           "");

}  // namespace tessera
