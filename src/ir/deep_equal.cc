#include "tessera/ir/deep_equal.h"

#include <cmath>

#include "tessera/support/hash.h"

namespace tessera {
namespace {

bool all_equal(const std::vector<Expr>& a, const std::vector<Expr>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!deep_equal(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool deep_equal(const Expr& a, const Expr& b) {
  if (a.same_as(b)) return true;
  if (!a.defined() || !b.defined()) return false;
  if (a.kind() != b.kind() || a.dtype() != b.dtype()) return false;
  switch (a.kind()) {
    case ExprKind::kIntImm: return a.as<IntImmNode>()->value == b.as<IntImmNode>()->value;
    case ExprKind::kFloatImm: {
      double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
      return (std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y));
    }
    case ExprKind::kVar: return false;  // distinct nodes are distinct variables
    case ExprKind::kNot: return deep_equal(a.as<NotNode>()->a, b.as<NotNode>()->a);
    case ExprKind::kSelect: {
      auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
      return deep_equal(x->condition, y->condition) && deep_equal(x->true_value, y->true_value) &&
             deep_equal(x->false_value, y->false_value);
    }
    case ExprKind::kCast: return deep_equal(a.as<CastNode>()->value, b.as<CastNode>()->value);
    case ExprKind::kBufferLoad: {
      auto *x = a.as<BufferLoadNode>(), *y = b.as<BufferLoadNode>();
      return x->buffer.same_as(y->buffer) && all_equal(x->indices, y->indices);
    }
    case ExprKind::kCall: {
      auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
      return x->op == y->op && all_equal(x->args, y->args);
    }
    case ExprKind::kRamp: {
      auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
      return x->lanes == y->lanes && deep_equal(x->base, y->base) &&
             deep_equal(x->stride, y->stride);
    }
    case ExprKind::kBroadcast: {
      auto *x = a.as<BroadcastNode>(), *y = b.as<BroadcastNode>();
      return x->lanes == y->lanes && deep_equal(x->value, y->value);
    }
    case ExprKind::kLet: {
      auto *x = a.as<LetNode>(), *y = b.as<LetNode>();
      return x->var.same_as(y->var) && deep_equal(x->value, y->value) &&
             deep_equal(x->body, y->body);
    }
    default: {
      auto *x = a.as<BinaryNode>(), *y = b.as<BinaryNode>();
      return deep_equal(x->a, y->a) && deep_equal(x->b, y->b);
    }
  }
}

uint64_t deep_hash(const Expr& e) {
  if (!e.defined()) return 0;
  uint64_t h = hash_combine(static_cast<uint64_t>(e.kind()),
                            static_cast<uint64_t>(e.dtype().bits()) << 8 | e.dtype().lanes());
  switch (e.kind()) {
    case ExprKind::kIntImm:
      return hash_combine(h, static_cast<uint64_t>(e.as<IntImmNode>()->value));
    case ExprKind::kFloatImm: return hash_combine(h, hash_double(e.as<FloatImmNode>()->value));
    case ExprKind::kVar: return hash_combine(h, reinterpret_cast<uintptr_t>(e.get()));
    case ExprKind::kNot: return hash_combine(h, deep_hash(e.as<NotNode>()->a));
    case ExprKind::kSelect: {
      auto* x = e.as<SelectNode>();
      return hash_combine(
          hash_combine(hash_combine(h, deep_hash(x->condition)), deep_hash(x->true_value)),
          deep_hash(x->false_value));
    }
    case ExprKind::kCast: return hash_combine(h, deep_hash(e.as<CastNode>()->value));
    case ExprKind::kBufferLoad: {
      auto* x = e.as<BufferLoadNode>();
      h = hash_combine(h, reinterpret_cast<uintptr_t>(x->buffer.get()));
      for (const Expr& i : x->indices) h = hash_combine(h, deep_hash(i));
      return h;
    }
    case ExprKind::kCall: {
      auto* x = e.as<CallNode>();
      h = hash_combine(h, hash_string(x->op));
      for (const Expr& a : x->args) h = hash_combine(h, deep_hash(a));
      return h;
    }
    case ExprKind::kRamp: {
      auto* x = e.as<RampNode>();
      return hash_combine(hash_combine(h, deep_hash(x->base)), deep_hash(x->stride));
    }
    case ExprKind::kBroadcast: return hash_combine(h, deep_hash(e.as<BroadcastNode>()->value));
    case ExprKind::kLet: {
      auto* x = e.as<LetNode>();
      return hash_combine(hash_combine(h, deep_hash(x->value)), deep_hash(x->body));
    }
    default: {
      auto* x = e.as<BinaryNode>();
      return hash_combine(hash_combine(h, deep_hash(x->a)), deep_hash(x->b));
    }
  }
}

}  // namespace tessera
