// RFactor: a reduction over a loop that feeds part of a reduction variable is split
// in two. Block "<block>_rf" reduces everything but that loop into a new buffer
// "<buffer>_rf" with one more dimension (inserted at factor_axis) indexed by the
// loop; the original block (same name) then reduces that dimension. Whatever the
// loop's iterations were, they become independent (parallel) partial reductions.
#include "../instruction_traits.h"

#include "tessera/arith/iter_map.h"
#include "tessera/ir/deep_equal.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct RFactorTraits : InstructionTraitsBase {
  static constexpr const char* kName = "RFactor";
  static constexpr const char* kMethod = "rfactor";
  static constexpr std::array<const char*, 2> kArguments = {"loop", "factor_axis"};
  static BlockRV apply(Schedule& sch, const LoopRV& loop, int64_t factor_axis) {
    return sch.rfactor(loop, factor_axis);
  }
};
const InstructionRegistration registration = register_instruction<RFactorTraits>();
}  // namespace

namespace {

std::vector<Expr> insert_at(std::vector<Expr> v, size_t at, Expr x) {
  v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), std::move(x));
  return v;
}

}  // namespace

BlockRV Schedule::rfactor(const LoopRV& loop_rv, int64_t factor_axis) {
  const std::string primitive = "rfactor";
  const ForNode* loop = get(loop_rv);
  const int64_t loop_extent = constant_extent(*this, primitive, loop);
  std::vector<const BlockNode*> blocks = state_.child_blocks(loop);
  if (blocks.size() != 1) {
    schedule_fail(*this, primitive,
                  fmt::format("loop '{}' must contain exactly one block, it contains {}",
                              loop->loop_var.name(), blocks.size()),
                  loop);
  }
  const BlockNode* b = blocks[0];
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  if (!state_.is_reduction(*e))
    schedule_fail(*this, primitive, fmt::format("block '{}' is not a reduction block", b->name), b);
  // The write-back goes after the block's loop nest, which must therefore be its own
  // (found by the random-schedule test: after compute_at the nest is shared).
  if (exclusive_subtree(*this, primitive, b) != nest_top(*this, b)) {
    schedule_fail(
        *this, primitive,
        fmt::format(
            "block '{}' shares its outer loops with other blocks; apply rfactor before moving it "
            "with compute_at",
            b->name),
        b);
  }
  // The combiner: C[p] = C[p] OP value, with init C[p] = identity.
  const auto* update = b->body.as<BufferStoreNode>();
  const auto* init = b->init.as<BufferStoreNode>();
  const BinaryNode* combine = update ? update->value.as<BinaryNode>() : nullptr;
  const auto* self = combine ? combine->a.as<BufferLoadNode>() : nullptr;
  bool recognised = init && self && self->buffer.same_as(update->buffer) &&
                    (combine->kind == ExprKind::kAdd || combine->kind == ExprKind::kMax ||
                     combine->kind == ExprKind::kMin);
  for (size_t i = 0; recognised && i < update->indices.size(); ++i) {
    recognised = deep_equal(self->indices[i], update->indices[i]) &&
                 deep_equal(init->indices[i], update->indices[i]);
  }
  if (!recognised) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' is not a recognised reduction (C[p] = C[p] + x, "
                              "max(C[p], x) or min(C[p], x) "
                              "with an init storing to C[p])",
                              b->name),
                  b);
  }
  const ExprKind op = combine->kind;
  const Expr identity = init->value;
  const Buffer& out = update->buffer;
  if (factor_axis < 0 || factor_axis > static_cast<int64_t>(out.ndim())) {
    schedule_fail(*this, primitive,
                  fmt::format("factor_axis {} is out of range [0, {}]", factor_axis, out.ndim()),
                  b);
  }
  // The one reduction variable the loop feeds, and its binding's structure.
  int which = -1;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (!uses_var(e->realize->iter_values[i], loop->loop_var.get())) continue;
    if (b->iter_vars[i].kind != IterKind::kReduce) {
      schedule_fail(*this, primitive,
                    fmt::format("loop '{}' feeds the spatial variable '{}'", loop->loop_var.name(),
                                b->iter_vars[i].var.name()),
                    loop);
    }
    if (which >= 0)
      schedule_fail(
          *this, primitive,
          fmt::format("loop '{}' feeds more than one reduction variable", loop->loop_var.name()),
          loop);
    which = static_cast<int>(i);
  }
  // A loop of extent 1 feeds nothing once bindings are simplified (a split whose part is
  // 1): it factors the block's only reduction variable trivially (found by sampling
  // AddRFactor's sketches on prime extents).
  if (which < 0 && loop_extent == 1) {
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (b->iter_vars[i].kind != IterKind::kReduce) continue;
      if (which >= 0) {
        schedule_fail(*this, primitive,
                      fmt::format("loop '{}' has extent 1 and block '{}' has several reduction "
                                  "variables: which one it "
                                  "factors is ambiguous",
                                  loop->loop_var.name(), b->name),
                      loop);
      }
      which = static_cast<int>(i);
    }
  }
  if (which < 0)
    schedule_fail(
        *this, primitive,
        fmt::format("loop '{}' feeds no variable of block '{}'", loop->loop_var.name(), b->name),
        loop);
  const IterVar& reduced = b->iter_vars[static_cast<size_t>(which)];
  // Every value of the factored loop must be a real reduction step: the write-back folds
  // all of them (found by the random-schedule test after a non-divisible split).
  if (uses_var(e->realize->predicate, loop->loop_var.get())) {
    schedule_fail(
        *this, primitive,
        fmt::format(
            "block '{}' has a predicate on loop '{}' (from a non-divisible split); rfactor needs "
            "a loop whose every iteration is a reduction step",
            b->name, loop->loop_var.name()),
        loop);
  }
  std::vector<std::pair<Var, int64_t>> loops;
  for (const ForNode* l : e->loops)
    loops.push_back({l->loop_var, constant_extent(*this, primitive, l)});
  Analyzer az;
  IterMapResult map = detect_iter_map({e->realize->iter_values[static_cast<size_t>(which)]}, loops,
                                      make_bool(true), IterMapLevel::kSurjective, az);
  if (!map.ok())
    schedule_fail(
        *this, primitive,
        fmt::format("the binding of '{}' is not affine: {}", reduced.var.name(), map.failure), b);
  const IterSum& sum = map.indices[0];
  int64_t loop_scale = 0;
  std::vector<IterSplit> rest;
  for (const IterSplit& s : sum.args) {
    if (!s.source->var.defined())
      schedule_fail(*this, primitive,
                    fmt::format("the binding of '{}' fuses loops; rfactor needs plain splits",
                                reduced.var.name()),
                    b);
    if (s.source->var.get() == loop->loop_var.get()) {
      if (s.lower_factor != 1 || s.extent != loop_extent) {
        schedule_fail(*this, primitive,
                      fmt::format("loop '{}' is only partly used by the binding of '{}'",
                                  loop->loop_var.name(), reduced.var.name()),
                      loop);
      }
      loop_scale = s.scale;
    } else {
      rest.push_back(s);
    }
  }
  // New variables: vL (spatial, the factored loop) and the remaining reduction.
  DataType t = reduced.var.dtype();
  int64_t rest_extent = 1;
  for (const IterSplit& s : rest) rest_extent *= s.extent;
  Var v_loop("v" + loop->loop_var.name(), t), v_rest(reduced.var.name() + "_rest", t);
  Expr rest_binding = make_int(0, t), rest_value = make_int(sum.base, t);
  int64_t radix = rest_extent;
  for (const IterSplit& s : rest) {
    radix /= s.extent;
    Expr digit =
        make_binary(ExprKind::kFloorMod,
                    make_binary(ExprKind::kFloorDiv, s.source->var, make_int(s.lower_factor, t)),
                    make_int(s.extent, t));
    rest_binding = make_binary(ExprKind::kAdd, rest_binding,
                               make_binary(ExprKind::kMul, digit, make_int(radix, t)));
    Expr part = make_binary(ExprKind::kFloorMod,
                            make_binary(ExprKind::kFloorDiv, v_rest, make_int(radix, t)),
                            make_int(s.extent, t));
    rest_value = make_binary(ExprKind::kAdd, rest_value,
                             make_binary(ExprKind::kMul, part, make_int(s.scale, t)));
  }
  for (const auto& [var, extent] : loops) az.bind(var, 0, extent);
  az.bind(v_rest, 0, rest_extent);
  az.bind(v_loop, 0, loop_extent);
  Expr reduced_value = az.simplify(make_binary(
      ExprKind::kAdd, rest_value, make_binary(ExprKind::kMul, v_loop, make_int(loop_scale, t))));
  // The rf buffer and block.
  // The write must be a point: each index a distinct spatial variable, or a constant
  // (an extent-1 dimension a layout transform simplified away).
  {
    BufferRegion variables{b->writes[0].buffer, {}};
    for (const Range& r : b->writes[0].region) {
      if (!is_const_int(r.extent, 1) || !as_const_int(r.min)) variables.region.push_back(r);
    }
    dims_to_iter_vars(*this, primitive, b, variables);
  }
  std::vector<Expr> rf_shape =
      insert_at(out->shape, static_cast<size_t>(factor_axis), make_int(loop_extent, t));
  const std::string rf_name = fresh_name(*this, out->name + "_rf");
  Buffer rf = Buffer::make(rf_name, out->dtype, rf_shape, {}, Expr(), out->scope);
  std::vector<Expr> rf_point = insert_at(update->indices, static_cast<size_t>(factor_axis), v_loop);
  VarMap to_rf{{reduced.var.get(), reduced_value}};
  Expr value = substitute(combine->b, to_rf);
  BlockFields rf_fields;
  rf_fields.name = fresh_name(*this, b->name + "_rf");
  std::vector<Expr> rf_bindings;
  rf_fields.iter_vars.push_back(
      IterVar{v_loop, Range{make_int(0, t), make_int(loop_extent, t)}, IterKind::kSpatial});
  rf_bindings.push_back(loop->loop_var);
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (static_cast<int>(i) == which) {
      rf_fields.iter_vars.push_back(
          IterVar{v_rest, Range{make_int(0, t), make_int(rest_extent, t)}, IterKind::kReduce});
      rf_bindings.push_back(az.simplify(rest_binding));
    } else {
      rf_fields.iter_vars.push_back(b->iter_vars[i]);
      rf_bindings.push_back(e->realize->iter_values[i]);
    }
  }
  rf_fields.init = make_store(rf, identity, rf_point);
  rf_fields.body = make_store(rf, make_binary(op, make_load(rf, rf_point), value), rf_point);
  BufferRegion rf_write{rf, {}};
  for (const Expr& p : rf_point) rf_write.region.push_back(Range{p, make_int(1, t)});
  rf_fields.writes = {rf_write};
  BlockNode shape_only;  // domains for recompute_reads
  shape_only.iter_vars = rf_fields.iter_vars;
  shape_only.init = rf_fields.init;
  shape_only.writes = rf_fields.writes;
  rf_fields.reads = recompute_reads(&shape_only, rf_fields.body);
  Stmt rf_realize =
      make_block_realize(rf_bindings, e->realize->predicate, make_block(std::move(rf_fields)));
  // The write-back block keeps the original name: out[p] = out[p] OP rf[p with the factor axis].
  BlockFields wb;
  wb.name = b->name;
  VarMap fresh;
  std::vector<Var> wb_loops;
  std::vector<Expr> wb_bindings;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const IterVar& iv = b->iter_vars[i];
    if (iv.kind != IterKind::kSpatial) continue;
    Var nv(iv.var.name(), iv.var.dtype());
    fresh[iv.var.get()] = nv;
    wb.iter_vars.push_back(IterVar{nv, iv.dom, IterKind::kSpatial});
    Var l("ax" + std::to_string(wb_loops.size()), iv.var.dtype());
    wb_loops.push_back(l);
    wb_bindings.push_back(make_binary(ExprKind::kAdd, iv.dom.min, l));
  }
  Var v_fold("v" + loop->loop_var.name(), t), l_fold(loop->loop_var.name() + "_fold", t);
  wb.iter_vars.push_back(
      IterVar{v_fold, Range{make_int(0, t), make_int(loop_extent, t)}, IterKind::kReduce});
  wb_loops.push_back(l_fold);
  wb_bindings.push_back(l_fold);
  std::vector<Expr> point;
  for (const Expr& i : update->indices) point.push_back(substitute(i, fresh));
  std::vector<Expr> rf_read = insert_at(point, static_cast<size_t>(factor_axis), v_fold);
  wb.init = make_store(out, identity, point);
  wb.body = make_store(out, make_binary(op, make_load(out, point), make_load(rf, rf_read)), point);
  BufferRegion rf_region{rf, {}}, out_region{out, {}};
  for (const Expr& p : rf_read) rf_region.region.push_back(Range{p, make_int(1, t)});
  for (const Expr& p : point) out_region.region.push_back(Range{p, make_int(1, t)});
  wb.reads = {rf_region};
  wb.writes = {out_region};
  for (size_t i = 0; i < wb_bindings.size(); ++i) wb_bindings[i] = az.simplify(wb_bindings[i]);
  Stmt writeback = make_block_realize(wb_bindings, make_bool(true), make_block(std::move(wb)));
  size_t k = wb_loops.size();
  for (size_t i = b->iter_vars.size() + 1; i-- > 0;) {
    if (i < b->iter_vars.size() && b->iter_vars[i].kind != IterKind::kSpatial) continue;
    --k;
    int64_t extent =
        i == b->iter_vars.size() ? loop_extent : *as_const_int(b->iter_vars[i].dom.extent);
    writeback =
        make_for(wb_loops[k], make_int(0, t), make_int(extent, t), ForKind::kSerial, writeback);
  }
  class Rewriter : public IRMutator {
   public:
    const StmtNode* block_realize;
    Stmt rf_realize;
    const StmtNode* top;
    Stmt writeback;
    const BlockNode* scope;
    Buffer rf;
    Stmt mutate_stmt(const Stmt& s) override {
      if (s.get() == block_realize) return rf_realize;
      if (s.get() == top)
        return make_seq(
            {s.get() == block_realize ? rf_realize : IRMutator::mutate_stmt(s), writeback});
      return IRMutator::mutate_stmt(s);
    }
    Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
      Stmt out = IRMutator::mutate_block(op, s);
      if (op != scope) return out;
      auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
      node->alloc_buffers.push_back(rf);
      return Stmt(node);
    }
  } rewriter;
  rewriter.block_realize = e->realize;
  rewriter.rf_realize = rf_realize;
  rewriter.top = nest_top(*this, b);
  rewriter.writeback = writeback;
  rewriter.scope = e->scope;
  rewriter.rf = rf;
  const std::string rf_block = rf_realize.as<BlockRealizeNode>()->block_node()->name;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (b->iter_vars[i].dom.extent.as<IntImmNode>() == nullptr)
      schedule_fail(*this, primitive, "iteration domains must be constant", b);
  }
  state_.replace_func(rewriter.mutate_func(func()), primitive);
  BlockRV result = new_block_rv(rf_block);
  record_instruction<RFactorTraits>(*this, result, loop_rv, factor_axis);
  return result;
}

}  // namespace tessera
