#include <cmath>
#include <unordered_map>

#include "tessera/ir/structural_equal.h"
#include "tessera/support/hash.h"

namespace tessera {
namespace {

// Mirrors EqualityChecker's traversal order exactly: a variable or buffer is
// hashed by the order in which it is first met, which is what makes the hash
// invariant under renaming and consistent with structural_equal.
class Hasher {
 public:
  explicit Hasher(bool abstract_integers = false) : abstract_integers_(abstract_integers) {}
  uint64_t value() const { return h_; }

  void mix(uint64_t v) { h_ = hash_combine(h_, v); }
  void mix(const std::string& s) { mix(hash_string(s)); }
  void mix(DataType t) {
    mix((uint64_t(t.code()) << 32) | (uint64_t(t.bits()) << 16) | uint64_t(t.lanes()));
  }

  void annotations(const Annotations& a) {
    mix(a.size());
    for (const auto& [key, value] : a) {
      mix(key);
      mix(value.index());
      if (const auto* i = std::get_if<int64_t>(&value)) mix(static_cast<uint64_t>(*i));
      if (const auto* d = std::get_if<double>(&value)) mix(hash_double(*d));
      if (const auto* s = std::get_if<std::string>(&value)) mix(*s);
    }
  }

  void var(const Expr& v) {
    mix(v.dtype());
    auto [it, inserted] = vars_.emplace(v.get(), vars_.size());
    mix(inserted ? 0xa11ce : 0xb0b);
    mix(it->second);
  }

  void buffer(const Buffer& b) {
    auto it = buffers_.find(b.get());
    if (it != buffers_.end()) {
      mix(0xbeef);
      mix(it->second);
      return;
    }
    buffers_.emplace(b.get(), buffers_.size());
    mix(0xfeed);
    mix(b->name);
    mix(b->dtype);
    mix(b->scope);
    exprs(b->shape);
    exprs(b->strides);
    expr(b->elem_offset);
  }

  void exprs(const std::vector<Expr>& v) {
    mix(v.size());
    for (const Expr& e : v) expr(e);
  }

  void expr(const Expr& e) {
    if (!e.defined()) return mix(0xdead);
    mix(static_cast<uint64_t>(e.kind()));
    mix(e.dtype());
    switch (e.kind()) {
      case ExprKind::kIntImm:
        return mix(abstract_integers_ ? 0x1e7 : static_cast<uint64_t>(e.as<IntImmNode>()->value));
      case ExprKind::kFloatImm: return mix(hash_double(e.as<FloatImmNode>()->value));
      case ExprKind::kVar: return var(e);
      case ExprKind::kNot: return expr(e.as<NotNode>()->a);
      case ExprKind::kSelect: {
        auto* x = e.as<SelectNode>();
        expr(x->condition);
        expr(x->true_value);
        return expr(x->false_value);
      }
      case ExprKind::kCast: return expr(e.as<CastNode>()->value);
      case ExprKind::kBufferLoad: {
        auto* x = e.as<BufferLoadNode>();
        buffer(x->buffer);
        return exprs(x->indices);
      }
      case ExprKind::kCall: {
        auto* x = e.as<CallNode>();
        mix(x->op);
        return exprs(x->args);
      }
      case ExprKind::kRamp: {
        auto* x = e.as<RampNode>();
        mix(x->lanes);
        expr(x->base);
        return expr(x->stride);
      }
      case ExprKind::kBroadcast: {
        auto* x = e.as<BroadcastNode>();
        mix(x->lanes);
        return expr(x->value);
      }
      case ExprKind::kLet: {
        auto* x = e.as<LetNode>();
        var(x->var);
        expr(x->value);
        return expr(x->body);
      }
      default: {
        auto* x = e.as<BinaryNode>();
        expr(x->a);
        return expr(x->b);
      }
    }
  }

  void range(const Range& r) {
    expr(r.min);
    expr(r.extent);
  }
  void region(const BufferRegion& r) {
    buffer(r.buffer);
    mix(r.region.size());
    for (const Range& x : r.region) range(x);
  }

  void stmt(const Stmt& s) {
    if (!s.defined()) return mix(0xdead);
    mix(0x57 + static_cast<uint64_t>(s.kind()));
    switch (s.kind()) {
      case StmtKind::kBufferStore: {
        auto* x = s.as<BufferStoreNode>();
        buffer(x->buffer);
        exprs(x->indices);
        return expr(x->value);
      }
      case StmtKind::kFor: {
        auto* x = s.as<ForNode>();
        mix(static_cast<uint64_t>(x->for_kind));
        mix(x->thread_tag);
        annotations(x->annotations);
        var(x->loop_var);
        expr(x->min);
        expr(x->extent);
        return stmt(x->body);
      }
      case StmtKind::kBlock: {
        auto* x = s.as<BlockNode>();
        mix(x->name);
        annotations(x->annotations);
        mix(x->iter_vars.size());
        mix(x->alloc_buffers.size());
        mix(x->match_buffers.size());
        for (const IterVar& iv : x->iter_vars) {
          mix(static_cast<uint64_t>(iv.kind));
          var(iv.var);
          range(iv.dom);
        }
        for (const Buffer& b : x->alloc_buffers) buffer(b);
        for (const MatchBufferRegion& m : x->match_buffers) {
          region(m.source);
          buffer(m.buffer);
        }
        mix(x->reads.size());
        for (const BufferRegion& r : x->reads) region(r);
        mix(x->writes.size());
        for (const BufferRegion& r : x->writes) region(r);
        stmt(x->init);
        return stmt(x->body);
      }
      case StmtKind::kBlockRealize: {
        auto* x = s.as<BlockRealizeNode>();
        exprs(x->iter_values);
        expr(x->predicate);
        return stmt(x->block);
      }
      case StmtKind::kSeqStmt: {
        auto* x = s.as<SeqStmtNode>();
        mix(x->seq.size());
        for (const Stmt& c : x->seq) stmt(c);
        return;
      }
      case StmtKind::kIfThenElse: {
        auto* x = s.as<IfThenElseNode>();
        expr(x->condition);
        stmt(x->then_case);
        return stmt(x->else_case);
      }
      case StmtKind::kLetStmt: {
        auto* x = s.as<LetStmtNode>();
        var(x->var);
        expr(x->value);
        return stmt(x->body);
      }
      case StmtKind::kEvaluate: return expr(s.as<EvaluateNode>()->value);
      case StmtKind::kAllocate: {
        auto* x = s.as<AllocateNode>();
        buffer(x->buffer);
        return stmt(x->body);
      }
    }
  }

  void func(const PrimFunc& f) {
    mix(f->name);
    annotations(f->attrs);
    mix(f->params.size());
    for (const Buffer& b : f->params) buffer(b);
    stmt(f->body);
  }

 private:
  bool abstract_integers_;
  uint64_t h_ = 0x7e55e7a;
  std::unordered_map<const ExprNode*, uint64_t> vars_;
  std::unordered_map<const BufferNode*, uint64_t> buffers_;
};

}  // namespace

uint64_t structural_hash(const PrimFunc& f) {
  Hasher h;
  h.func(f);
  return h.value();
}
uint64_t structural_hash_ignoring_integers(const PrimFunc& f) {
  Hasher h(/*abstract_integers=*/true);
  h.func(f);
  return h.value();
}
uint64_t structural_hash(const Stmt& s) {
  Hasher h;
  h.stmt(s);
  return h.value();
}
uint64_t structural_hash(const Expr& e) {
  Hasher h;
  h.expr(e);
  return h.value();
}

}  // namespace tessera
