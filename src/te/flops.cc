#include "tessera/te/flops.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "tessera/arith/evaluate.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
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
    case ExprKind::kRamp: return 0;
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
      if (is_comparison(e.kind()) || e.kind() == ExprKind::kAnd || e.kind() == ExprKind::kOr)
        return 0;
      return 1 + value_ops(b->a) + value_ops(b->b);
    }
  }
}

// Counts the arithmetic of every store, times the number of loop iterations that reach it:
// a block's predicate and the conditions of `if` statements around a store cut its count
// to the iterations where they hold, counted by enumerating the loops they mention.
class FlopCounter : public IRVisitor {
 public:
  int64_t total = 0;

 protected:
  void visit_for(const ForNode* op) override {
    auto extent = as_const_int(op->extent);
    if (!extent) fail("count_flops: loop '{}' has a non-constant extent", op->loop_var.name());
    loops_.push_back({op->loop_var.get(), op->min, *extent});
    visit_stmt(op->body);
    loops_.pop_back();
  }
  void visit_block_realize(const BlockRealizeNode* op) override {
    const BlockNode* block = op->block_node();
    // The block's iteration variables stand for their bindings, so conditions inside the
    // block are conditions on the loops.
    for (size_t i = 0; i < block->iter_vars.size() && i < op->iter_values.size(); ++i) {
      bindings_[block->iter_vars[i].var.get()] = substitute(op->iter_values[i], bindings_);
    }
    const auto always = as_const_int(op->predicate);
    if (!always || *always == 0) conditions_.push_back(substitute(op->predicate, bindings_));
    visit_stmt(block->body);  // init stores are not arithmetic
    if (!always || *always == 0) conditions_.pop_back();
  }
  void visit_block(const BlockNode* op) override { visit_stmt(op->body); }
  void visit_if(const IfThenElseNode* op) override {
    const Expr condition = substitute(op->condition, bindings_);
    conditions_.push_back(condition);
    visit_stmt(op->then_case);
    conditions_.pop_back();
    if (op->else_case.defined()) {
      conditions_.push_back(logical_not(condition));
      visit_stmt(op->else_case);
      conditions_.pop_back();
    }
  }
  void visit_buffer_store(const BufferStoreNode* op) override {
    const int64_t ops = value_ops(op->value);
    if (ops != 0) total += iterations_reaching() * ops;
  }

 private:
  struct Loop {
    const VarNode* var;
    Expr min;
    int64_t extent;
  };

  int64_t iterations_reaching() const {
    int64_t all = 1;
    for (const Loop& l : loops_) all *= l.extent;
    if (conditions_.empty()) return all;
    // The loops the conditions mention (and those their minimums mention), enumerated;
    // every other loop multiplies the count.
    std::unordered_set<const VarNode*> used;
    for (const Expr& c : conditions_) collect_vars(c, used);
    std::vector<const Loop*> enumerated;
    for (auto l = loops_.rbegin(); l != loops_.rend();
         ++l) {  // inner loops' minimums name outer loops
      if (used.count(l->var) != 0) collect_vars(l->min, used);
    }
    int64_t points = 1, rest = 1;
    for (const Loop& l : loops_) {
      if (used.count(l.var) != 0) {
        enumerated.push_back(&l);
        points *= l.extent;
      } else {
        rest *= l.extent;
      }
    }
    // Beyond this many points the count would take seconds: the whole domain is the bound.
    constexpr int64_t kMaxPoints = int64_t{1} << 26;
    if (points > kMaxPoints) return all;
    std::unordered_map<const VarNode*, int64_t> values;
    int64_t reached = 0;
    bool evaluable = true;
    enumerate(enumerated, 0, values, reached, evaluable);
    return evaluable ? reached * rest : all;
  }

  void enumerate(const std::vector<const Loop*>& loops, size_t depth,
                 std::unordered_map<const VarNode*, int64_t>& values, int64_t& reached,
                 bool& evaluable) const {
    if (!evaluable) return;
    auto lookup = [&](const VarNode* v) -> std::optional<int64_t> {
      auto it = values.find(v);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
    if (depth == loops.size()) {
      for (const Expr& c : conditions_) {
        auto holds = evaluate_index(c, lookup);
        if (!holds) {
          evaluable = false;  // depends on data: count the whole domain
          return;
        }
        if (*holds == 0) return;
      }
      ++reached;
      return;
    }
    const Loop& l = *loops[depth];
    auto min = evaluate_index(l.min, lookup);
    if (!min) {
      evaluable = false;
      return;
    }
    for (int64_t i = 0; i < l.extent; ++i) {
      values[l.var] = *min + i;
      enumerate(loops, depth + 1, values, reached, evaluable);
    }
    values.erase(l.var);
  }

  static void collect_vars(const Expr& e, std::unordered_set<const VarNode*>& into) {
    struct Collector : IRVisitor {
      std::unordered_set<const VarNode*>* vars;
      void visit_var(const VarNode* v) override { vars->insert(v); }
    } collector;
    collector.vars = &into;
    collector.visit_expr(e);
  }

  std::vector<Loop> loops_;
  std::vector<Expr> conditions_;
  VarMap bindings_;
};

}  // namespace

int64_t count_flops(const PrimFunc& func) {
  FlopCounter counter;
  counter.visit_func(func);
  return counter.total;
}

}  // namespace tessera
