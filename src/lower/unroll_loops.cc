// unroll_loops: a loop of kind unrolled becomes one copy of its body per iteration.
// Under a loop annotated pragma_auto_unroll_max_step = N, every serial loop nest of at
// most N steps in all is unrolled too: in the IR when pragma_unroll_explicit is 1 (the
// default), or only marked unrolled for the code generator when it is 0.
#include <limits>
#include <optional>

#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/lower/passes.h"
#include "tessera/ir/annotation_keys.h"

namespace tessera {

namespace {

// Iterations of every store under `s`, saturating; nullopt when a loop is not constant.
std::optional<int64_t> steps(const Stmt& s) {
  constexpr int64_t kMany = std::numeric_limits<int64_t>::max() / 4;
  switch (s.kind()) {
    case StmtKind::kFor: {
      const auto* f = s.as<ForNode>();
      auto extent = as_const_int(f->extent);
      auto inner = steps(f->body);
      if (!extent || !inner) return std::nullopt;
      return *extent > 0 && *inner > kMany / *extent ? kMany : *extent * *inner;
    }
    case StmtKind::kSeqStmt: {
      int64_t total = 0;
      for (const Stmt& c : s.as<SeqStmtNode>()->seq) {
        auto n = steps(c);
        if (!n) return std::nullopt;
        total = std::min(kMany, total + *n);
      }
      return total;
    }
    case StmtKind::kIfThenElse: {
      const auto* x = s.as<IfThenElseNode>();
      auto a = steps(x->then_case);
      auto b = x->else_case.defined() ? steps(x->else_case) : std::optional<int64_t>(0);
      if (!a || !b) return std::nullopt;
      return std::max(*a, *b);
    }
    case StmtKind::kLetStmt: return steps(s.as<LetStmtNode>()->body);
    case StmtKind::kAllocate: return steps(s.as<AllocateNode>()->body);
    default: return 1;
  }
}

class Unroll : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    std::optional<int64_t> limit = limit_;
    bool explicit_unroll = explicit_;
    auto key = op->annotations.find(std::string(annotation_key::kAutoUnrollMaxStep));
    if (key != op->annotations.end() && std::holds_alternative<int64_t>(key->second)) {
      limit_ = std::get<int64_t>(key->second);
      auto ex = op->annotations.find(std::string(annotation_key::kUnrollExplicit));
      explicit_ = ex == op->annotations.end() || !std::holds_alternative<int64_t>(ex->second) ||
                  std::get<int64_t>(ex->second) != 0;
    }
    Stmt body = mutate_stmt(op->body);
    limit_ = limit;
    explicit_ = explicit_unroll;
    auto extent = as_const_int(op->extent);
    auto min = as_const_int(op->min);
    bool auto_unroll = false;
    if (limit_ && op->for_kind == ForKind::kSerial && key == op->annotations.end()) {
      auto n = steps(s);
      auto_unroll = n && *n <= *limit_;
    }
    if (extent && min && (op->for_kind == ForKind::kUnrolled || (auto_unroll && explicit_))) {
      std::vector<Stmt> copies;
      for (int64_t i = 0; i < *extent; ++i)
        copies.push_back(substitute(
            body, VarMap{{op->loop_var.get(), make_int(*min + i, op->loop_var.dtype())}}));
      if (copies.empty()) return make_evaluate(make_int(0));
      return make_seq(copies);
    }
    ForKind kind = auto_unroll ? ForKind::kUnrolled : op->for_kind;
    if (body.same_as(op->body) && kind == op->for_kind) return s;
    return make_for(op->loop_var, op->min, op->extent, kind, body, op->thread_tag, op->annotations);
  }

 private:
  std::optional<int64_t> limit_;
  bool explicit_ = true;
};

}  // namespace

PrimFunc unroll_loops(const PrimFunc& func) {
  Unroll pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
