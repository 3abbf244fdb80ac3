#include "tessera/tune/block_analysis.h"

#include <algorithm>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"
#include "tessera/ir/annotation_keys.h"

namespace tessera {

bool is_spatial_block(const BlockNode* block) {
  return std::all_of(block->iter_vars.begin(), block->iter_vars.end(),
                     [](const IterVar& iv) { return iv.kind == IterKind::kSpatial; });
}

bool is_spatial_func(const PrimFunc& func) {
  struct Check : IRVisitor {
    bool spatial = true;
    void visit_block(const BlockNode* op) override {
      spatial = spatial && is_spatial_block(op);
      IRVisitor::visit_block(op);
    }
  } check;
  check.visit_stmt(func->body);
  return check.spatial;
}

bool is_tiled(const BlockNode* block) {
  return block->annotations.count(annotation_key::kTilingStructure) != 0;
}

std::optional<int64_t> constant_extent(const ForNode* loop) {
  auto min = as_const_int(loop->min);
  if (!min || *min != 0) return std::nullopt;
  return as_const_int(loop->extent);
}

bool has_trivial_binding(const ScheduleState::BlockEntry& entry) {
  const BlockNode* b = entry.block;
  if (entry.loops.size() != b->iter_vars.size()) return false;
  for (size_t k = 0; k < entry.loops.size(); ++k) {
    const auto* v = entry.realize->iter_values[k].as<VarNode>();
    if (v != entry.loops[k]->loop_var.get()) return false;
    auto extent = constant_extent(entry.loops[k]);
    auto dom_min = as_const_int(b->iter_vars[k].dom.min);
    auto dom_extent = as_const_int(b->iter_vars[k].dom.extent);
    if (!extent || !dom_min || *dom_min != 0 || !dom_extent || *dom_extent != *extent) return false;
  }
  return true;
}

bool is_perfect_nest(const ScheduleState::BlockEntry& entry) {
  for (size_t k = 0; k < entry.loops.size(); ++k) {
    const StmtNode* body = entry.loops[k]->body.get();
    const StmtNode* next = k + 1 < entry.loops.size()
                               ? static_cast<const StmtNode*>(entry.loops[k + 1])
                               : entry.realize;
    if (body != next) return false;
  }
  return true;
}

std::vector<IterKind> loop_iter_kinds(const ScheduleState::BlockEntry& entry) {
  std::vector<IterKind> kinds;
  for (size_t k = 0; k < entry.loops.size() && k < entry.block->iter_vars.size(); ++k)
    kinds.push_back(entry.block->iter_vars[k].kind);
  return kinds;
}

namespace {

bool region_uses(const BufferRegion& region, const VarNode* v) {
  return std::any_of(region.region.begin(), region.region.end(),
                     [&](const Range& r) { return uses_var(r.min, v) || uses_var(r.extent, v); });
}

}  // namespace

bool needs_multi_level_tiling(const ScheduleState& state, const ScheduleState::BlockEntry& entry) {
  const BlockNode* b = entry.block;
  if (is_tiled(b) || b->writes.size() != 1 || b->reads.empty() || is_spatial_block(b)) return false;
  if (!has_trivial_binding(entry) || !state.is_reduction(entry)) return false;
  // Reading one buffer twice (or the written one) makes the reuse analysis below meaningless.
  for (size_t r = 0; r < b->reads.size(); ++r) {
    for (size_t s = r + 1; s < b->reads.size(); ++s) {
      if (b->reads[r].buffer.get() == b->reads[s].buffer.get() &&
          b->reads[r].buffer.get() != b->writes[0].buffer.get())
        return false;
    }
  }
  for (const IterVar& iv : b->iter_vars) {
    if (iv.kind != IterKind::kSpatial) continue;
    auto extent = as_const_int(iv.dom.extent);
    if (!extent || *extent <= 1) continue;
    for (const BufferRegion& read : b->reads) {
      if (read.buffer.get() == b->writes[0].buffer.get()) continue;
      if (!region_uses(read, iv.var.get())) return true;
    }
  }
  return false;
}

bool is_data_parallel_loop(const ScheduleState& state, const ForNode* loop) {
  for (const BlockNode* b : state.child_blocks(loop)) {
    const ScheduleState::BlockEntry* e = state.find_block(b->name);
    for (size_t k = 0; k < b->iter_vars.size(); ++k) {
      if (b->iter_vars[k].kind == IterKind::kReduce &&
          uses_var(e->realize->iter_values[k], loop->loop_var.get()))
        return false;
    }
  }
  return true;
}

std::vector<std::optional<int64_t>> access_steps(const ScheduleState& state, const ForNode* loop) {
  std::vector<std::optional<int64_t>> steps;
  for (const BlockNode* b : state.child_blocks(loop)) {
    const ScheduleState::BlockEntry* e = state.find_block(b->name);
    VarMap binding;
    for (size_t k = 0; k < b->iter_vars.size(); ++k)
      binding[b->iter_vars[k].var.get()] = e->realize->iter_values[k];
    Analyzer az;
    for (const ForNode* f : e->loops) {
      if (auto extent = constant_extent(f)) az.bind(f->loop_var, 0, *extent);
    }
    const Var& v = loop->loop_var;
    VarMap next{{v.get(), add(v, make_int(1, v.dtype()))}};
    auto step_of = [&](const Buffer& buffer,
                       const std::vector<Expr>& indices) -> std::optional<int64_t> {
      if (!buffer->strides.empty()) return std::nullopt;
      int64_t step = 0, stride = 1;
      for (size_t d = indices.size(); d-- > 0;) {
        Expr index = substitute(indices[d], binding);
        auto delta = as_const_int(az.simplify(sub(substitute(index, next), index)));
        if (!delta) return std::nullopt;
        step += *delta * stride;
        auto dim = as_const_int(buffer->shape[d]);
        if (!dim) return std::nullopt;
        stride *= *dim;
      }
      return step;
    };
    struct Collect : IRVisitor {
      std::vector<std::pair<Buffer, std::vector<Expr>>> stores, loads;
      void visit_buffer_store(const BufferStoreNode* op) override {
        stores.emplace_back(op->buffer, op->indices);
        IRVisitor::visit_buffer_store(op);
      }
      void visit_buffer_load(const BufferLoadNode* op) override {
        loads.emplace_back(op->buffer, op->indices);
        IRVisitor::visit_buffer_load(op);
      }
      void visit_block(const BlockNode* op) override {
        visit_stmt(op->body);
      }  // regions are not accesses
    } collect;
    collect.visit_stmt(b->body);
    for (const auto& [buffer, indices] : collect.stores) steps.push_back(step_of(buffer, indices));
    for (const auto& [buffer, indices] : collect.loads) steps.push_back(step_of(buffer, indices));
  }
  return steps;
}

namespace {

bool plain_serial(const ForNode* loop) {
  return loop->for_kind == ForKind::kSerial && loop->annotations.empty();
}

}  // namespace

// How many innermost loops of the block can be fused into one vectorized loop.
size_t vectorizable_loops(const ScheduleState& state, const ScheduleState::BlockEntry& e,
                          int64_t limit) {
  size_t count = 0;
  int64_t product = 1;
  for (size_t k = e.loops.size(); k-- > 0;) {
    const ForNode* loop = e.loops[k];
    const StmtNode* only_child =
        k + 1 == e.loops.size() ? static_cast<const StmtNode*>(e.realize) : e.loops[k + 1];
    std::optional<int64_t> extent = constant_extent(loop);
    if (!plain_serial(loop) || !extent || loop->body.get() != only_child ||
        !is_data_parallel_loop(state, loop))
      break;
    if (count > 0 && product * *extent > limit) break;
    bool contiguous = true;
    for (const std::optional<int64_t>& step : access_steps(state, loop))
      contiguous = contiguous && step && (*step == 0 || *step == product);
    if (!contiguous) break;
    product *= *extent;
    ++count;
    if (product >= limit)
      break;  // a wider innermost loop alone is still vectorized (lowering cuts it)
  }
  return count;
}

// How many outermost loops of the block can be fused into one parallel loop.
size_t parallelizable_loops(const ScheduleState& state, const ScheduleState::BlockEntry& e,
                            int64_t limit) {
  size_t count = 0;
  int64_t product = 1;
  for (size_t k = 0; k < e.loops.size(); ++k) {
    const ForNode* loop = e.loops[k];
    std::optional<int64_t> extent = constant_extent(loop);
    if (!plain_serial(loop) || !extent || !is_data_parallel_loop(state, loop)) break;
    if (k > 0 && e.loops[k - 1]->body.get() != loop) break;  // fusing needs a perfect nest
    product *= *extent;
    ++count;
    if (product >= limit) break;
  }
  return count;
}

}  // namespace tessera
