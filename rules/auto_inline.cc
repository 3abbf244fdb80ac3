// AutoInline: folds cheap producers into their consumers so that no intermediate buffer
// is written and read back: constant-only blocks always, elementwise producers (and in a
// purely spatial function, everything that can be) otherwise.
#include <algorithm>

#include "tessera/ir/visitor.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class AutoInline : public ScheduleRule {
 public:
  explicit AutoInline(AutoInlineOptions options = {}) : options_(std::move(options)) {}

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || entry->block->writes.size() != 1) return {sch};
    const BlockNode* b = entry->block;
    const bool has_consumers = !sch.state().consumers(b).empty();
    if (options_.inline_constant_blocks && b->reads.empty() && has_consumers) {
      if (auto inlined = try_apply(sch, block, /*into_consumer=*/true)) return {*inlined};
    }
    if (!is_spatial_func(sch.func()) && !worth_inlining(b)) return {sch};
    if (options_.into_consumer && has_consumers) {
      if (auto inlined = try_apply(sch, block, /*into_consumer=*/true)) return {*inlined};
    }
    if (options_.into_producer && sch.state().producers(b).size() == 1) {
      if (auto inlined = try_apply(sch, block, /*into_consumer=*/false)) return {*inlined};
    }
    return {sch};
  }

 private:
  static std::optional<Schedule> try_apply(const Schedule& sch, const std::string& block,
                                           bool into_consumer) {
    Schedule s = sch.copy();
    try {
      BlockRV b = s.get_block(block);
      if (into_consumer)
        s.compute_inline(b);
      else
        s.reverse_compute_inline(b);
      return s;
    } catch (const ScheduleError&) {
      return std::nullopt;
    }
  }

  // Inlining recomputes the block at every use: only for cheap, well-ordered blocks.
  bool worth_inlining(const BlockNode* b) const {
    struct Scan : IRVisitor {
      const AutoInlineOptions* options = nullptr;
      bool conditional = false, disallowed = false;
      void visit_select(const SelectNode* op) override {
        conditional = true;
        IRVisitor::visit_select(op);
      }
      void visit_call(const CallNode* op) override {
        if (op->op == "if_then_else") conditional = true;
        if (std::find(options->disallowed_calls.begin(), options->disallowed_calls.end(), op->op) !=
            options->disallowed_calls.end()) {
          disallowed = true;
        }
        IRVisitor::visit_call(op);
      }
      void visit_block(const BlockNode* op) override { visit_stmt(op->body); }
    } scan;
    scan.options = &options_;
    scan.visit_stmt(b->body);
    if (scan.disallowed || (options_.disallow_if_then_else && scan.conditional)) return false;
    const BufferStoreNode* store = b->body.as<BufferStoreNode>();
    if (store == nullptr) return false;
    // Injective: the store is indexed by distinct iteration variables.
    std::vector<const VarNode*> write_vars;
    for (const Expr& index : store->indices) {
      const auto* v = index.as<VarNode>();
      if (v == nullptr) {
        if (options_.require_injective) return false;
        continue;
      }
      if (std::find(write_vars.begin(), write_vars.end(), v) != write_vars.end() &&
          options_.require_injective)
        return false;
      write_vars.push_back(v);
    }
    if (!options_.require_ordered) return true;
    // Ordered: every load meets the store's variables in the store's order.
    struct Loads : IRVisitor {
      std::vector<const BufferLoadNode*> loads;
      void visit_buffer_load(const BufferLoadNode* op) override {
        loads.push_back(op);
        IRVisitor::visit_buffer_load(op);
      }
    } loads;
    loads.visit_expr(store->value);
    for (const BufferLoadNode* load : loads.loads) {
      int last = -1;
      for (const Expr& index : load->indices) {
        const auto* v = index.as<VarNode>();
        if (v == nullptr) continue;
        auto it = std::find(write_vars.begin(), write_vars.end(), v);
        if (it == write_vars.end()) continue;
        int position = static_cast<int>(it - write_vars.begin());
        if (position < last) return false;
        last = position;
      }
    }
    return true;
  }

  AutoInlineOptions options_;
};

}  // namespace

std::shared_ptr<ScheduleRule> make_auto_inline(const AutoInlineOptions& options) {
  return std::make_shared<AutoInline>(options);
}

TESSERA_REGISTER_COMPONENT(
    ScheduleRule, AutoInline,
    "inlines constant-only blocks and cheap elementwise producers into their consumers",
    parameter_text<AutoInlineOptions>());

}  // namespace tessera
