#include "tessera/ir/mutator.h"

namespace tessera {

Expr IRMutator::mutate_expr(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::kIntImm: return mutate_int_imm(e);
    case ExprKind::kFloatImm: return mutate_float_imm(e);
    case ExprKind::kVar: return mutate_var(e);
    case ExprKind::kNot: return mutate_not(e.as<NotNode>(), e);
    case ExprKind::kSelect: return mutate_select(e.as<SelectNode>(), e);
    case ExprKind::kCast: return mutate_cast(e.as<CastNode>(), e);
    case ExprKind::kBufferLoad: return mutate_buffer_load(e.as<BufferLoadNode>(), e);
    case ExprKind::kCall: return mutate_call(e.as<CallNode>(), e);
    case ExprKind::kRamp: return mutate_ramp(e.as<RampNode>(), e);
    case ExprKind::kBroadcast: return mutate_broadcast(e.as<BroadcastNode>(), e);
    case ExprKind::kLet: return mutate_let(e.as<LetNode>(), e);
    default: return mutate_binary(e.as<BinaryNode>(), e);
  }
}

Stmt IRMutator::mutate_stmt(const Stmt& s) {
  switch (s.kind()) {
    case StmtKind::kBufferStore: return mutate_buffer_store(s.as<BufferStoreNode>(), s);
    case StmtKind::kFor: return mutate_for(s.as<ForNode>(), s);
    case StmtKind::kBlock: return mutate_block(s.as<BlockNode>(), s);
    case StmtKind::kBlockRealize: return mutate_block_realize(s.as<BlockRealizeNode>(), s);
    case StmtKind::kSeqStmt: return mutate_seq(s.as<SeqStmtNode>(), s);
    case StmtKind::kIfThenElse: return mutate_if(s.as<IfThenElseNode>(), s);
    case StmtKind::kLetStmt: return mutate_let_stmt(s.as<LetStmtNode>(), s);
    case StmtKind::kEvaluate: return mutate_evaluate(s.as<EvaluateNode>(), s);
    case StmtKind::kAllocate: return mutate_allocate(s.as<AllocateNode>(), s);
  }
  return s;
}

PrimFunc IRMutator::mutate_func(const PrimFunc& f) {
  std::vector<Buffer> params;
  bool changed = false;
  for (const Buffer& b : f->params) {
    params.push_back(mutate_buffer(b));
    changed |= !params.back().same_as(b);
  }
  Stmt body = mutate_stmt(f->body);
  if (!changed && body.same_as(f->body)) return f;
  return PrimFunc::make(f->name, std::move(params), std::move(body), f->attrs);
}

bool IRMutator::mutate_exprs(const std::vector<Expr>& in, std::vector<Expr>* out) {
  bool changed = false;
  out->clear();
  out->reserve(in.size());
  for (const Expr& e : in) {
    out->push_back(mutate_expr(e));
    changed |= !out->back().same_as(e);
  }
  return changed;
}

BufferRegion IRMutator::mutate_region(const BufferRegion& r) {
  BufferRegion out{mutate_buffer(r.buffer), {}};
  for (const Range& range : r.region)
    out.region.push_back(Range{mutate_expr(range.min), mutate_expr(range.extent)});
  return out;
}

namespace {
bool same_region(const BufferRegion& a, const BufferRegion& b) {
  if (!a.buffer.same_as(b.buffer)) return false;
  for (size_t i = 0; i < a.region.size(); ++i) {
    if (!a.region[i].min.same_as(b.region[i].min) ||
        !a.region[i].extent.same_as(b.region[i].extent))
      return false;
  }
  return true;
}
}  // namespace

Expr IRMutator::mutate_binary(const BinaryNode* op, const Expr& e) {
  Expr a = mutate_expr(op->a), b = mutate_expr(op->b);
  if (a.same_as(op->a) && b.same_as(op->b)) return e;
  return make_binary(op->kind, std::move(a), std::move(b));
}
Expr IRMutator::mutate_not(const NotNode* op, const Expr& e) {
  Expr a = mutate_expr(op->a);
  return a.same_as(op->a) ? e : make_not(std::move(a));
}
Expr IRMutator::mutate_select(const SelectNode* op, const Expr& e) {
  Expr c = mutate_expr(op->condition), t = mutate_expr(op->true_value),
       f = mutate_expr(op->false_value);
  if (c.same_as(op->condition) && t.same_as(op->true_value) && f.same_as(op->false_value)) return e;
  return make_select(std::move(c), std::move(t), std::move(f));
}
Expr IRMutator::mutate_cast(const CastNode* op, const Expr& e) {
  Expr v = mutate_expr(op->value);
  if (v.same_as(op->value)) return e;
  DataType t = op->dtype.with_lanes(v.dtype().lanes());
  return make_cast(t, std::move(v));
}
Expr IRMutator::mutate_buffer_load(const BufferLoadNode* op, const Expr& e) {
  std::vector<Expr> indices;
  bool changed = mutate_exprs(op->indices, &indices);
  Buffer b = mutate_buffer(op->buffer);
  if (!changed && b.same_as(op->buffer)) return e;
  return make_load(std::move(b), std::move(indices));
}
Expr IRMutator::mutate_call(const CallNode* op, const Expr& e) {
  std::vector<Expr> args;
  if (!mutate_exprs(op->args, &args)) return e;
  return make_call(op->dtype, op->op, std::move(args));
}
Expr IRMutator::mutate_ramp(const RampNode* op, const Expr& e) {
  Expr b = mutate_expr(op->base), s = mutate_expr(op->stride);
  if (b.same_as(op->base) && s.same_as(op->stride)) return e;
  return make_ramp(std::move(b), std::move(s), op->lanes);
}
Expr IRMutator::mutate_broadcast(const BroadcastNode* op, const Expr& e) {
  Expr v = mutate_expr(op->value);
  return v.same_as(op->value) ? e : make_broadcast(std::move(v), op->lanes);
}
Expr IRMutator::mutate_let(const LetNode* op, const Expr& e) {
  Expr v = mutate_expr(op->value), b = mutate_expr(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return e;
  return make_let(op->var, std::move(v), std::move(b));
}

Stmt IRMutator::mutate_buffer_store(const BufferStoreNode* op, const Stmt& s) {
  Expr value = mutate_expr(op->value);
  std::vector<Expr> indices;
  bool changed = mutate_exprs(op->indices, &indices);
  Buffer b = mutate_buffer(op->buffer);
  if (!changed && value.same_as(op->value) && b.same_as(op->buffer)) return s;
  return make_store(std::move(b), std::move(value), std::move(indices));
}
Stmt IRMutator::mutate_for(const ForNode* op, const Stmt& s) {
  Expr min = mutate_expr(op->min), extent = mutate_expr(op->extent);
  Stmt body = mutate_stmt(op->body);
  if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return s;
  return make_for(op->loop_var, std::move(min), std::move(extent), op->for_kind, std::move(body),
                  op->thread_tag, op->annotations);
}
Stmt IRMutator::mutate_block(const BlockNode* op, const Stmt& s) {
  BlockFields f{op->name, {}, {}, {}, Stmt(), Stmt(), {}, {}, op->annotations};
  bool changed = false;
  for (const IterVar& iv : op->iter_vars) {
    IterVar n{iv.var, Range{mutate_expr(iv.dom.min), mutate_expr(iv.dom.extent)}, iv.kind};
    changed |= !n.dom.min.same_as(iv.dom.min) || !n.dom.extent.same_as(iv.dom.extent);
    f.iter_vars.push_back(std::move(n));
  }
  for (const BufferRegion& r : op->reads) {
    f.reads.push_back(mutate_region(r));
    changed |= !same_region(f.reads.back(), r);
  }
  for (const BufferRegion& r : op->writes) {
    f.writes.push_back(mutate_region(r));
    changed |= !same_region(f.writes.back(), r);
  }
  for (const Buffer& b : op->alloc_buffers) {
    f.alloc_buffers.push_back(mutate_buffer(b));
    changed |= !f.alloc_buffers.back().same_as(b);
  }
  for (const MatchBufferRegion& m : op->match_buffers) {
    f.match_buffers.push_back(MatchBufferRegion{mutate_buffer(m.buffer), mutate_region(m.source)});
    changed |= !f.match_buffers.back().buffer.same_as(m.buffer) ||
               !same_region(f.match_buffers.back().source, m.source);
  }
  if (op->init.defined()) {
    f.init = mutate_stmt(op->init);
    changed |= !f.init.same_as(op->init);
  }
  f.body = mutate_stmt(op->body);
  changed |= !f.body.same_as(op->body);
  if (!changed) return s;
  return make_block(std::move(f));
}
Stmt IRMutator::mutate_block_realize(const BlockRealizeNode* op, const Stmt& s) {
  std::vector<Expr> values;
  bool changed = mutate_exprs(op->iter_values, &values);
  Expr predicate = mutate_expr(op->predicate);
  Stmt block = mutate_stmt(op->block);
  if (!changed && predicate.same_as(op->predicate) && block.same_as(op->block)) return s;
  return make_block_realize(std::move(values), std::move(predicate), std::move(block));
}
Stmt IRMutator::mutate_seq(const SeqStmtNode* op, const Stmt& s) {
  std::vector<Stmt> seq;
  bool changed = false;
  for (const Stmt& child : op->seq) {
    seq.push_back(mutate_stmt(child));
    changed |= !seq.back().same_as(child);
  }
  return changed ? make_seq(std::move(seq)) : s;
}
Stmt IRMutator::mutate_if(const IfThenElseNode* op, const Stmt& s) {
  Expr c = mutate_expr(op->condition);
  Stmt t = mutate_stmt(op->then_case);
  Stmt f = op->else_case.defined() ? mutate_stmt(op->else_case) : Stmt();
  if (c.same_as(op->condition) && t.same_as(op->then_case) && f.same_as(op->else_case)) return s;
  return make_if(std::move(c), std::move(t), std::move(f));
}
Stmt IRMutator::mutate_let_stmt(const LetStmtNode* op, const Stmt& s) {
  Expr v = mutate_expr(op->value);
  Stmt b = mutate_stmt(op->body);
  if (v.same_as(op->value) && b.same_as(op->body)) return s;
  return make_let_stmt(op->var, std::move(v), std::move(b));
}
Stmt IRMutator::mutate_evaluate(const EvaluateNode* op, const Stmt& s) {
  Expr v = mutate_expr(op->value);
  return v.same_as(op->value) ? s : make_evaluate(std::move(v));
}
Stmt IRMutator::mutate_allocate(const AllocateNode* op, const Stmt& s) {
  Buffer b = mutate_buffer(op->buffer);
  Stmt body = mutate_stmt(op->body);
  if (b.same_as(op->buffer) && body.same_as(op->body)) return s;
  return make_allocate(std::move(b), std::move(body));
}

}  // namespace tessera
