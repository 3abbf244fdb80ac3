#include "tessera/ir/structural_equal.h"

#include <cmath>
#include <unordered_map>

namespace tessera {
namespace {

class EqualityChecker {
 public:
  bool func(const PrimFunc& a, const PrimFunc& b) {
    if (a->name != b->name || a->params.size() != b->params.size() || a->attrs != b->attrs)
      return false;
    for (size_t i = 0; i < a->params.size(); ++i) {
      if (!buffer(a->params[i], b->params[i])) return false;
    }
    return stmt(a->body, b->body);
  }

  bool var(const Expr& a, const Expr& b) {
    if (a.dtype() != b.dtype()) return false;
    const ExprNode* x = a.get();
    const ExprNode* y = b.get();
    auto fwd = var_map_.find(x);
    if (fwd != var_map_.end()) return fwd->second == y;
    auto back = var_back_.find(y);
    if (back != var_back_.end()) return false;  // y already stands for another variable
    var_map_[x] = y;
    var_back_[y] = x;
    return true;
  }

  bool buffer(const Buffer& a, const Buffer& b) {
    auto fwd = buffer_map_.find(a.get());
    if (fwd != buffer_map_.end()) return fwd->second == b.get();
    if (buffer_back_.count(b.get()) != 0) return false;
    const BufferNode& x = *a.get();
    const BufferNode& y = *b.get();
    if (x.name != y.name || x.dtype != y.dtype || x.scope != y.scope || !exprs(x.shape, y.shape) ||
        !exprs(x.strides, y.strides) || !expr(x.elem_offset, y.elem_offset)) {
      return false;
    }
    buffer_map_[a.get()] = b.get();
    buffer_back_[b.get()] = a.get();
    return true;
  }

  bool exprs(const std::vector<Expr>& a, const std::vector<Expr>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!expr(a[i], b[i])) return false;
    }
    return true;
  }

  bool expr(const Expr& a, const Expr& b) {
    if (a.defined() != b.defined()) return false;
    if (!a.defined()) return true;
    if (a.kind() != b.kind() || a.dtype() != b.dtype()) return false;
    switch (a.kind()) {
      case ExprKind::kIntImm: return a.as<IntImmNode>()->value == b.as<IntImmNode>()->value;
      case ExprKind::kFloatImm: {
        double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
        return (x != x && y != y) || (x == y && std::signbit(x) == std::signbit(y));
      }
      case ExprKind::kVar: return var(a, b);
      case ExprKind::kNot: return expr(a.as<NotNode>()->a, b.as<NotNode>()->a);
      case ExprKind::kSelect: {
        auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
        return expr(x->condition, y->condition) && expr(x->true_value, y->true_value) &&
               expr(x->false_value, y->false_value);
      }
      case ExprKind::kCast: return expr(a.as<CastNode>()->value, b.as<CastNode>()->value);
      case ExprKind::kBufferLoad: {
        auto *x = a.as<BufferLoadNode>(), *y = b.as<BufferLoadNode>();
        return buffer(x->buffer, y->buffer) && exprs(x->indices, y->indices);
      }
      case ExprKind::kCall: {
        auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
        return x->op == y->op && exprs(x->args, y->args);
      }
      case ExprKind::kRamp: {
        auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
        return x->lanes == y->lanes && expr(x->base, y->base) && expr(x->stride, y->stride);
      }
      case ExprKind::kBroadcast: {
        auto *x = a.as<BroadcastNode>(), *y = b.as<BroadcastNode>();
        return x->lanes == y->lanes && expr(x->value, y->value);
      }
      case ExprKind::kLet: {
        auto *x = a.as<LetNode>(), *y = b.as<LetNode>();
        return var(x->var, y->var) && expr(x->value, y->value) && expr(x->body, y->body);
      }
      default: {
        auto *x = a.as<BinaryNode>(), *y = b.as<BinaryNode>();
        return expr(x->a, y->a) && expr(x->b, y->b);
      }
    }
  }

  bool range(const Range& a, const Range& b) {
    return expr(a.min, b.min) && expr(a.extent, b.extent);
  }

  bool region(const BufferRegion& a, const BufferRegion& b) {
    if (!buffer(a.buffer, b.buffer) || a.region.size() != b.region.size()) return false;
    for (size_t i = 0; i < a.region.size(); ++i) {
      if (!range(a.region[i], b.region[i])) return false;
    }
    return true;
  }

  bool regions(const std::vector<BufferRegion>& a, const std::vector<BufferRegion>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!region(a[i], b[i])) return false;
    }
    return true;
  }

  bool stmt(const Stmt& a, const Stmt& b) {
    if (a.defined() != b.defined()) return false;
    if (!a.defined()) return true;
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
      case StmtKind::kBufferStore: {
        auto *x = a.as<BufferStoreNode>(), *y = b.as<BufferStoreNode>();
        return buffer(x->buffer, y->buffer) && exprs(x->indices, y->indices) &&
               expr(x->value, y->value);
      }
      case StmtKind::kFor: {
        auto *x = a.as<ForNode>(), *y = b.as<ForNode>();
        return x->for_kind == y->for_kind && x->thread_tag == y->thread_tag &&
               x->annotations == y->annotations && var(x->loop_var, y->loop_var) &&
               expr(x->min, y->min) && expr(x->extent, y->extent) && stmt(x->body, y->body);
      }
      case StmtKind::kBlock: {
        auto *x = a.as<BlockNode>(), *y = b.as<BlockNode>();
        if (x->name != y->name || x->annotations != y->annotations ||
            x->iter_vars.size() != y->iter_vars.size() ||
            x->alloc_buffers.size() != y->alloc_buffers.size() ||
            x->match_buffers.size() != y->match_buffers.size()) {
          return false;
        }
        for (size_t i = 0; i < x->iter_vars.size(); ++i) {
          const IterVar &p = x->iter_vars[i], &q = y->iter_vars[i];
          if (p.kind != q.kind || !var(p.var, q.var) || !range(p.dom, q.dom)) return false;
        }
        for (size_t i = 0; i < x->alloc_buffers.size(); ++i) {
          if (!buffer(x->alloc_buffers[i], y->alloc_buffers[i])) return false;
        }
        for (size_t i = 0; i < x->match_buffers.size(); ++i) {
          if (!region(x->match_buffers[i].source, y->match_buffers[i].source) ||
              !buffer(x->match_buffers[i].buffer, y->match_buffers[i].buffer)) {
            return false;
          }
        }
        return regions(x->reads, y->reads) && regions(x->writes, y->writes) &&
               stmt(x->init, y->init) && stmt(x->body, y->body);
      }
      case StmtKind::kBlockRealize: {
        auto *x = a.as<BlockRealizeNode>(), *y = b.as<BlockRealizeNode>();
        return exprs(x->iter_values, y->iter_values) && expr(x->predicate, y->predicate) &&
               stmt(x->block, y->block);
      }
      case StmtKind::kSeqStmt: {
        auto *x = a.as<SeqStmtNode>(), *y = b.as<SeqStmtNode>();
        if (x->seq.size() != y->seq.size()) return false;
        for (size_t i = 0; i < x->seq.size(); ++i) {
          if (!stmt(x->seq[i], y->seq[i])) return false;
        }
        return true;
      }
      case StmtKind::kIfThenElse: {
        auto *x = a.as<IfThenElseNode>(), *y = b.as<IfThenElseNode>();
        return expr(x->condition, y->condition) && stmt(x->then_case, y->then_case) &&
               stmt(x->else_case, y->else_case);
      }
      case StmtKind::kLetStmt: {
        auto *x = a.as<LetStmtNode>(), *y = b.as<LetStmtNode>();
        return var(x->var, y->var) && expr(x->value, y->value) && stmt(x->body, y->body);
      }
      case StmtKind::kEvaluate:
        return expr(a.as<EvaluateNode>()->value, b.as<EvaluateNode>()->value);
      case StmtKind::kAllocate: {
        auto *x = a.as<AllocateNode>(), *y = b.as<AllocateNode>();
        return buffer(x->buffer, y->buffer) && stmt(x->body, y->body);
      }
    }
    return false;
  }

 private:
  std::unordered_map<const ExprNode*, const ExprNode*> var_map_, var_back_;
  std::unordered_map<const BufferNode*, const BufferNode*> buffer_map_, buffer_back_;
};

}  // namespace

bool structural_equal(const PrimFunc& a, const PrimFunc& b) { return EqualityChecker().func(a, b); }
bool structural_equal(const Stmt& a, const Stmt& b) { return EqualityChecker().stmt(a, b); }
bool structural_equal(const Expr& a, const Expr& b) { return EqualityChecker().expr(a, b); }

}  // namespace tessera
