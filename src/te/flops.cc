#include "tessera/te/flops.h"

#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

// Counts value arithmetic in one expression, skipping index and condition subtrees.
int64_t value_ops(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::kIntImm:
    case ExprKind::kFloatImm:
    case ExprKind::kVar:
    case ExprKind::kBufferLoad:
    case ExprKind::kRamp:
      return 0;
    case ExprKind::kCast: return value_ops(e.as<CastNode>()->value);
    case ExprKind::kBroadcast: return value_ops(e.as<BroadcastNode>()->value);
    case ExprKind::kSelect: {
      auto* s = e.as<SelectNode>();
      return value_ops(s->true_value) + value_ops(s->false_value);
    }
    case ExprKind::kLet: {
      auto* l = e.as<LetNode>();
      return value_ops(l->value) + value_ops(l->body);
    }
    case ExprKind::kCall: {
      auto* c = e.as<CallNode>();
      if (c->op == "if_then_else") return value_ops(c->args[1]) + value_ops(c->args[2]);
      int64_t n = 1;
      for (const Expr& a : c->args) n += value_ops(a);
      return n;
    }
    case ExprKind::kNot: return 0;
    default: {
      auto* b = e.as<BinaryNode>();
      if (is_comparison(e.kind()) || e.kind() == ExprKind::kAnd || e.kind() == ExprKind::kOr) return 0;
      return 1 + value_ops(b->a) + value_ops(b->b);
    }
  }
}

class FlopCounter : public IRVisitor {
 public:
  int64_t total = 0;

 protected:
  void visit_for(const ForNode* op) override {
    auto extent = as_const_int(op->extent);
    if (!extent) fail("count_flops: loop '{}' has a non-constant extent", op->loop_var.name());
    int64_t saved = trip_;
    trip_ *= *extent;
    visit_stmt(op->body);
    trip_ = saved;
  }
  void visit_block(const BlockNode* op) override { visit_stmt(op->body); }  // init stores are not arithmetic
  void visit_buffer_store(const BufferStoreNode* op) override { total += trip_ * value_ops(op->value); }

 private:
  int64_t trip_ = 1;
};

}  // namespace

int64_t count_flops(const PrimFunc& func) {
  FlopCounter counter;
  counter.visit_func(func);
  return counter.total;
}

}  // namespace tessera
