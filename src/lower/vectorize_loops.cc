// vectorize_loops: a vectorized loop with a constant extent becomes one pass of vector
// expressions (Ramp for the loop variable, Broadcast for what does not depend on it,
// contiguous or gathered loads, contiguous or strided stores). When that would change
// what the program computes, or needs something the vector form cannot express, the
// loop is kept as a serial loop annotated `scalarized` with the reason (also logged at
// info level), so a user reading `--emit ir` sees why.
#include <fmt/format.h>

#include <unordered_map>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/deep_equal.h"
#include "tessera/ir/expr.h"
#include "tessera/ir/intrinsics.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/visitor.h"
#include "tessera/lower/passes.h"
#include "tessera/support/error.h"
#include "tessera/support/logging.h"

namespace tessera {

namespace {

// Wider loops are cut into a serial loop over vectors of at most this many lanes.
constexpr int64_t kMaxLanes = 64;

struct Refused {
  std::string reason;
};

[[noreturn]] void refuse(std::string reason) { throw Refused{std::move(reason)}; }

bool is_vector(const Expr& e) { return e.dtype().lanes() > 1; }

// Every built-in intrinsic but if_then_else (whose branches are guarded) applies lane by
// lane; target intrinsics have no known vector form.
bool is_elementwise_call(const std::string& op) {
  return op != "if_then_else" && find_builtin_intrinsic(op) != nullptr;
}

// Rewrites the body of one loop for `lanes` lanes of its variable.
class Widen {
 public:
  Widen(const Var& loop_var, const Expr& min, int lanes)
      : loop_var_(loop_var), min_(min), lanes_(lanes) {}

  Expr broadcast(const Expr& e) const { return is_vector(e) ? e : make_broadcast(e, lanes_); }

  Expr expr(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::kIntImm:
      case ExprKind::kFloatImm: return e;
      case ExprKind::kVar: {
        const auto* v = e.as<VarNode>();
        if (v == loop_var_.get()) return ramp(min_, make_const(min_.dtype(), 1));
        if (auto it = lets_.find(v); it != lets_.end()) return it->second;
        return e;
      }
      case ExprKind::kNot: {
        Expr a = expr(e.as<NotNode>()->a);
        return a.same_as(e.as<NotNode>()->a) ? e : make_not(a);
      }
      case ExprKind::kSelect: {
        const auto* s = e.as<SelectNode>();
        Expr c = expr(s->condition), t = expr(s->true_value), f = expr(s->false_value);
        if (!is_vector(c) && !is_vector(t) && !is_vector(f)) return make_select(c, t, f);
        return make_select(c, broadcast(t), broadcast(f));
      }
      case ExprKind::kCast: {
        const auto* c = e.as<CastNode>();
        Expr v = expr(c->value);
        return make_cast(e.dtype().with_lanes(v.dtype().lanes()), v);
      }
      case ExprKind::kBufferLoad: {
        const auto* l = e.as<BufferLoadNode>();
        std::vector<Expr> idx;
        for (const Expr& i : l->indices) idx.push_back(expr(i));
        Expr load = make_load(l->buffer, idx);
        if (is_vector(load)) {
          if (l->buffer->dtype.is_bool())
            refuse(fmt::format("loads from bool buffer '{}'", l->buffer->name));
          loads_.push_back(load);
        } else {
          scalar_loads_.push_back(load);
        }
        return load;
      }
      case ExprKind::kCall: {
        const auto* c = e.as<CallNode>();
        std::vector<Expr> args;
        bool any_vector = false;
        for (const Expr& a : c->args) {
          args.push_back(expr(a));
          any_vector = any_vector || is_vector(args.back());
        }
        if (!any_vector) return make_call(e.dtype(), c->op, args);
        if (c->op == "if_then_else") {
          if (is_vector(args[0]))
            refuse("an if_then_else whose condition depends on the loop variable");
          return make_call(e.dtype().with_lanes(lanes_), c->op,
                           {args[0], broadcast(args[1]), broadcast(args[2])});
        }
        if (!is_elementwise_call(c->op))
          refuse(fmt::format("a call to '{}', which has no vector form", c->op));
        for (Expr& a : args) a = broadcast(a);
        return make_call(e.dtype().with_lanes(lanes_), c->op, args);
      }
      case ExprKind::kLet: {
        const auto* l = e.as<LetNode>();
        Expr value = expr(l->value);
        Var v = bind_let(l->var, value);
        Expr body = expr(l->body);
        return make_let(v, value, body);
      }
      case ExprKind::kRamp:
      case ExprKind::kBroadcast:
        refuse("it already holds vector expressions (a vectorized loop inside)");
      default: break;
    }
    const auto* bin = e.as<BinaryNode>();
    Expr a = expr(bin->a), b = expr(bin->b);
    if (!is_vector(a) && !is_vector(b))
      return a.same_as(bin->a) && b.same_as(bin->b) ? e : make_binary(bin->kind, a, b);
    // Affine index arithmetic stays a Ramp, so loads and stores can be recognised as contiguous.
    const auto* ra = a.as<RampNode>();
    const auto* rb = b.as<RampNode>();
    if (bin->kind == ExprKind::kAdd || bin->kind == ExprKind::kSub) {
      if (ra != nullptr && !is_vector(b))
        return ramp(make_binary(bin->kind, ra->base, b), ra->stride);
      if (rb != nullptr && !is_vector(a) && bin->kind == ExprKind::kAdd)
        return ramp(make_binary(bin->kind, a, rb->base), rb->stride);
      if (ra != nullptr && rb != nullptr) {
        return ramp(make_binary(bin->kind, ra->base, rb->base),
                    make_binary(bin->kind, ra->stride, rb->stride));
      }
    }
    if (bin->kind == ExprKind::kMul) {
      if (ra != nullptr && !is_vector(b))
        return ramp(make_binary(ExprKind::kMul, ra->base, b),
                    make_binary(ExprKind::kMul, ra->stride, b));
      if (rb != nullptr && !is_vector(a))
        return ramp(make_binary(ExprKind::kMul, a, rb->base),
                    make_binary(ExprKind::kMul, a, rb->stride));
    }
    return make_binary(bin->kind, broadcast(a), broadcast(b));
  }

  Stmt stmt(const Stmt& s) {
    switch (s.kind()) {
      case StmtKind::kBufferStore: {
        const auto* st = s.as<BufferStoreNode>();
        Expr value = expr(st->value);
        std::vector<Expr> idx;
        for (const Expr& i : st->indices) idx.push_back(expr(i));
        if (idx.size() != 1) refuse(fmt::format("buffer '{}' is not flattened", st->buffer->name));
        const auto* ramp = idx[0].as<RampNode>();
        if (!is_vector(idx[0]))
          refuse(
              fmt::format("every iteration stores to the same element of '{}'", st->buffer->name));
        if (ramp == nullptr)
          refuse(
              fmt::format("the store to '{}' has an index that is not affine in the loop variable",
                          st->buffer->name));
        if (auto stride = as_const_int(ramp->stride); !stride || *stride == 0) {
          refuse(fmt::format("the store to '{}' has a stride that is not a nonzero constant",
                             st->buffer->name));
        }
        if (st->buffer->dtype.is_bool())
          refuse(fmt::format("stores to bool buffer '{}'", st->buffer->name));
        stores_.push_back({st->buffer.get(), idx[0]});
        return make_store(st->buffer, broadcast(value), idx);
      }
      case StmtKind::kSeqStmt: {
        std::vector<Stmt> seq;
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) seq.push_back(stmt(c));
        return make_seq(seq);
      }
      case StmtKind::kIfThenElse: {
        const auto* i = s.as<IfThenElseNode>();
        Expr c = expr(i->condition);
        if (is_vector(c)) refuse("a condition depends on the loop variable");
        return make_if(c, stmt(i->then_case), i->else_case.defined() ? stmt(i->else_case) : Stmt());
      }
      case StmtKind::kLetStmt: {
        const auto* l = s.as<LetStmtNode>();
        Expr value = expr(l->value);
        Var v = bind_let(l->var, value);
        return make_let_stmt(v, value, stmt(l->body));
      }
      case StmtKind::kEvaluate:
        if (as_const_int(s.as<EvaluateNode>()->value)) return s;
        refuse("it evaluates an expression for its effect");
      case StmtKind::kFor:
        refuse(fmt::format("it holds loop '{}'", s.as<ForNode>()->loop_var.name()));
      case StmtKind::kAllocate:
        refuse(fmt::format("it allocates '{}'", s.as<AllocateNode>()->buffer->name));
      default: refuse("it holds a block");
    }
  }

  // Lane k of the vector form must see what iteration k of the loop saw: so a buffer
  // the loop writes may only be touched at the one index every store to it uses.
  void check_dependences() const {
    for (const auto& [buf, index] : stores_) {
      for (const auto& [other_buf, other_index] : stores_) {
        if (other_buf == buf && !deep_equal(other_index, index))
          refuse(fmt::format("it stores to '{}' at two different indices", buf->name));
      }
      for (const Expr& l : loads_) {
        const auto* load = l.as<BufferLoadNode>();
        if (load->buffer.get() == buf && !deep_equal(load->indices[0], index)) {
          refuse(fmt::format("it reads '{}' at another index than it writes", buf->name));
        }
      }
      for (const Expr& l : scalar_loads_) {
        if (l.as<BufferLoadNode>()->buffer.get() == buf)
          refuse(fmt::format("it reads one element of '{}', which it writes", buf->name));
      }
    }
  }

 private:
  // A let whose value became a vector binds a new variable of the vector type, which
  // replaces the old one in the body.
  Var bind_let(const Var& var, const Expr& value) {
    if (!is_vector(value)) return var;
    Var v(var.name(), value.dtype());
    lets_[var.get()] = v;
    return v;
  }
  Expr ramp(const Expr& base, const Expr& stride) {
    return make_ramp(analyzer_.simplify(base), analyzer_.simplify(stride), lanes_);
  }

  Analyzer analyzer_;
  Var loop_var_;
  Expr min_;
  int lanes_;
  std::unordered_map<const VarNode*, Var> lets_;
  std::vector<Expr> loads_, scalar_loads_;
  std::vector<std::pair<const BufferNode*, Expr>> stores_;
};

class Vectorize : public IRMutator {
 public:
  explicit Vectorize(std::vector<std::string>* reasons) : reasons_(reasons) {}

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    Stmt inner = IRMutator::mutate_for(op, s);
    if (op->for_kind != ForKind::kVectorized) return inner;
    const auto* f = inner.as<ForNode>();
    std::string reason;
    try {
      return vectorize(f);
    } catch (const Refused& r) {
      reason = r.reason;
    } catch (const Error& e) {
      // A vector form the IR's own checks reject is a case this pass missed: keep the
      // program right and say so.
      reason = e.message();
    }
    std::string message =
        fmt::format("loop '{}' is not vectorized: {}", f->loop_var.name(), reason);
    log_info("{}", message);
    if (reasons_ != nullptr) reasons_->push_back(message);
    Annotations annotations = f->annotations;
    annotations["scalarized"] = reason;
    return make_for(f->loop_var, f->min, f->extent, ForKind::kSerial, f->body, f->thread_tag,
                    annotations);
  }

 private:
  static Stmt vectorize(const ForNode* f) {
    auto extent = as_const_int(f->extent);
    if (!extent) refuse("its extent is not a constant");
    if (!f->min.dtype().is_int())
      refuse(fmt::format("its variable has type {}", f->min.dtype().str()));
    if (*extent < 2) return make_for(f->loop_var, f->min, f->extent, ForKind::kSerial, f->body);
    int64_t lanes = *extent;
    if (lanes > kMaxLanes) {
      lanes = 0;
      for (int64_t w = kMaxLanes; w >= 4 && lanes == 0; --w) {
        if (*extent % w == 0) lanes = w;
      }
      if (lanes == 0)
        refuse(fmt::format("its extent {} has no divisor between 4 and {} to cut it into vectors",
                           *extent, kMaxLanes));
    }
    if (lanes == *extent) {
      Widen widen(f->loop_var, f->min, static_cast<int>(lanes));
      Stmt body = widen.stmt(f->body);
      widen.check_dependences();
      return body;
    }
    // for (v in [min, min + extent)) -> for (v_outer in [0, extent / lanes)) vector over v = min +
    // v_outer * lanes + lane.
    Var outer(f->loop_var.name() + "_vectors", f->loop_var.dtype());
    Expr base = make_binary(
        ExprKind::kAdd, f->min,
        make_binary(ExprKind::kMul, outer, make_const(outer.dtype(), static_cast<double>(lanes))));
    Widen widen(f->loop_var, base, static_cast<int>(lanes));
    Stmt body = widen.stmt(f->body);
    widen.check_dependences();
    return make_for(outer, make_const(outer.dtype(), 0),
                    make_const(outer.dtype(), static_cast<double>(*extent / lanes)),
                    ForKind::kSerial, body);
  }

  std::vector<std::string>* reasons_;
};

}  // namespace

PrimFunc vectorize_loops(const PrimFunc& func, std::vector<std::string>* scalarized) {
  Vectorize pass(scalarized);
  return pass.mutate_func(func);
}

}  // namespace tessera
