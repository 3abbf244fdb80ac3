#include "tessera/ir/visitor.h"

namespace tessera {

void IRVisitor::visit_expr(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::kIntImm: return visit_int_imm(e.as<IntImmNode>());
    case ExprKind::kFloatImm: return visit_float_imm(e.as<FloatImmNode>());
    case ExprKind::kVar: return visit_var(e.as<VarNode>());
    case ExprKind::kNot: return visit_not(e.as<NotNode>());
    case ExprKind::kSelect: return visit_select(e.as<SelectNode>());
    case ExprKind::kCast: return visit_cast(e.as<CastNode>());
    case ExprKind::kBufferLoad: return visit_buffer_load(e.as<BufferLoadNode>());
    case ExprKind::kCall: return visit_call(e.as<CallNode>());
    case ExprKind::kRamp: return visit_ramp(e.as<RampNode>());
    case ExprKind::kBroadcast: return visit_broadcast(e.as<BroadcastNode>());
    case ExprKind::kLet: return visit_let(e.as<LetNode>());
    default: return visit_binary(e.as<BinaryNode>());
  }
}

void IRVisitor::visit_stmt(const Stmt& s) {
  switch (s.kind()) {
    case StmtKind::kBufferStore: return visit_buffer_store(s.as<BufferStoreNode>());
    case StmtKind::kFor: return visit_for(s.as<ForNode>());
    case StmtKind::kBlock: return visit_block(s.as<BlockNode>());
    case StmtKind::kBlockRealize: return visit_block_realize(s.as<BlockRealizeNode>());
    case StmtKind::kSeqStmt: return visit_seq(s.as<SeqStmtNode>());
    case StmtKind::kIfThenElse: return visit_if(s.as<IfThenElseNode>());
    case StmtKind::kLetStmt: return visit_let_stmt(s.as<LetStmtNode>());
    case StmtKind::kEvaluate: return visit_evaluate(s.as<EvaluateNode>());
    case StmtKind::kAllocate: return visit_allocate(s.as<AllocateNode>());
  }
}

void IRVisitor::visit_func(const PrimFunc& f) { visit_stmt(f->body); }

void IRVisitor::visit_binary(const BinaryNode* op) {
  visit_expr(op->a);
  visit_expr(op->b);
}
void IRVisitor::visit_not(const NotNode* op) { visit_expr(op->a); }
void IRVisitor::visit_select(const SelectNode* op) {
  visit_expr(op->condition);
  visit_expr(op->true_value);
  visit_expr(op->false_value);
}
void IRVisitor::visit_cast(const CastNode* op) { visit_expr(op->value); }
void IRVisitor::visit_buffer_load(const BufferLoadNode* op) {
  for (const Expr& i : op->indices) visit_expr(i);
}
void IRVisitor::visit_call(const CallNode* op) {
  for (const Expr& a : op->args) visit_expr(a);
}
void IRVisitor::visit_ramp(const RampNode* op) {
  visit_expr(op->base);
  visit_expr(op->stride);
}
void IRVisitor::visit_broadcast(const BroadcastNode* op) { visit_expr(op->value); }
void IRVisitor::visit_let(const LetNode* op) {
  visit_expr(op->value);
  visit_expr(op->body);
}

void IRVisitor::visit_buffer_store(const BufferStoreNode* op) {
  visit_expr(op->value);
  for (const Expr& i : op->indices) visit_expr(i);
}
void IRVisitor::visit_for(const ForNode* op) {
  visit_expr(op->min);
  visit_expr(op->extent);
  visit_stmt(op->body);
}
void IRVisitor::visit_region(const BufferRegion& region) {
  for (const Range& r : region.region) {
    visit_expr(r.min);
    visit_expr(r.extent);
  }
}
void IRVisitor::visit_block(const BlockNode* op) {
  for (const IterVar& iv : op->iter_vars) {
    visit_expr(iv.dom.min);
    visit_expr(iv.dom.extent);
  }
  for (const BufferRegion& r : op->reads) visit_region(r);
  for (const BufferRegion& r : op->writes) visit_region(r);
  for (const MatchBufferRegion& m : op->match_buffers) visit_region(m.source);
  if (op->init.defined()) visit_stmt(op->init);
  visit_stmt(op->body);
}
void IRVisitor::visit_block_realize(const BlockRealizeNode* op) {
  for (const Expr& v : op->iter_values) visit_expr(v);
  visit_expr(op->predicate);
  visit_stmt(op->block);
}
void IRVisitor::visit_seq(const SeqStmtNode* op) {
  for (const Stmt& s : op->seq) visit_stmt(s);
}
void IRVisitor::visit_if(const IfThenElseNode* op) {
  visit_expr(op->condition);
  visit_stmt(op->then_case);
  if (op->else_case.defined()) visit_stmt(op->else_case);
}
void IRVisitor::visit_let_stmt(const LetStmtNode* op) {
  visit_expr(op->value);
  visit_stmt(op->body);
}
void IRVisitor::visit_evaluate(const EvaluateNode* op) { visit_expr(op->value); }
void IRVisitor::visit_allocate(const AllocateNode* op) { visit_stmt(op->body); }

bool uses_var(const Expr& e, const VarNode* v) {
  class Finder : public IRVisitor {
   public:
    const VarNode* target;
    bool found = false;
    void visit_var(const VarNode* op) override { found = found || op == target; }
  } finder;
  finder.target = v;
  finder.visit_expr(e);
  return finder.found;
}

}  // namespace tessera
