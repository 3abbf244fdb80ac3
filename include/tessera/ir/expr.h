// Expression nodes: immediates, variables, arithmetic, comparisons, logic, select,
// cast, buffer loads, intrinsic calls, vector ramps/broadcasts and let-bindings.
//
// Build expressions with the `make_*` functions (exact: no folding, every type
// checked; a mismatch throws Error naming the operator and both types) or with the
// operators of op.h (which fold trivial constants). Var is an Expr with identity:
// two variables with the same name are different variables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tessera/ir/buffer.h"
#include "tessera/ir/node.h"

namespace tessera {

class IntImmNode : public ExprNode {
 public:
  IntImmNode(DataType t, int64_t v) : ExprNode(ExprKind::kIntImm, t), value(v) {}
  static bool matches(ExprKind k) { return k == ExprKind::kIntImm; }
  int64_t value;
};

class FloatImmNode : public ExprNode {
 public:
  FloatImmNode(DataType t, double v) : ExprNode(ExprKind::kFloatImm, t), value(v) {}
  static bool matches(ExprKind k) { return k == ExprKind::kFloatImm; }
  double value;
};

class VarNode : public ExprNode {
 public:
  VarNode(DataType t, std::string n) : ExprNode(ExprKind::kVar, t), name(std::move(n)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kVar; }
  std::string name;  // a hint for printing; identity is the node
};

/// A variable: loop variables, block iteration variables, let-bound names.
class Var : public Expr {
 public:
  Var() = default;
  explicit Var(std::string name, DataType dtype = DataType::int32());
  /// Views an Expr that is a VarNode as a Var; throws Error otherwise.
  static Var from_expr(const Expr& e);
  const VarNode* get() const { return static_cast<const VarNode*>(Expr::get()); }
  const VarNode* operator->() const { return get(); }
  const std::string& name() const { return get()->name; }

 private:
  explicit Var(std::shared_ptr<const ExprNode> node) : Expr(std::move(node)) {}
};

/// Add, Sub, Mul, Div (truncating for integers), Mod (truncating), FloorDiv, FloorMod,
/// Min, Max, the comparisons EQ..GE (result bool) and the logical And/Or.
class BinaryNode : public ExprNode {
 public:
  BinaryNode(ExprKind op, DataType t, Expr a, Expr b)
      : ExprNode(op, t), a(std::move(a)), b(std::move(b)) {}
  static bool matches(ExprKind k) { return is_binary(k); }
  Expr a, b;
};

class NotNode : public ExprNode {
 public:
  NotNode(DataType t, Expr a) : ExprNode(ExprKind::kNot, t), a(std::move(a)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kNot; }
  Expr a;
};

/// Both values are evaluated (no side effects, no guarded loads); use the
/// `if_then_else` intrinsic call when one branch must not be evaluated.
class SelectNode : public ExprNode {
 public:
  SelectNode(DataType t, Expr c, Expr tv, Expr fv)
      : ExprNode(ExprKind::kSelect, t),
        condition(std::move(c)),
        true_value(std::move(tv)),
        false_value(std::move(fv)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kSelect; }
  Expr condition, true_value, false_value;
};

class CastNode : public ExprNode {
 public:
  CastNode(DataType t, Expr v) : ExprNode(ExprKind::kCast, t), value(std::move(v)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kCast; }
  Expr value;
};

class BufferLoadNode : public ExprNode {
 public:
  BufferLoadNode(DataType t, Buffer b, std::vector<Expr> i)
      : ExprNode(ExprKind::kBufferLoad, t), buffer(std::move(b)), indices(std::move(i)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kBufferLoad; }
  Buffer buffer;
  std::vector<Expr> indices;
};

/// A call to a built-in intrinsic (see intrinsics.h: exp, log, sqrt, tanh, fma,
/// if_then_else, ...) or to a target intrinsic named by its full name
/// (e.g. "llvm.x86.avx512.vpdpbusd.512"), which code generators map generically.
class CallNode : public ExprNode {
 public:
  CallNode(DataType t, std::string o, std::vector<Expr> a)
      : ExprNode(ExprKind::kCall, t), op(std::move(o)), args(std::move(a)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kCall; }
  std::string op;
  std::vector<Expr> args;
};

/// The vector base, base + stride, ..., base + (lanes - 1) * stride.
class RampNode : public ExprNode {
 public:
  RampNode(DataType t, Expr b, Expr s, int l)
      : ExprNode(ExprKind::kRamp, t), base(std::move(b)), stride(std::move(s)), lanes(l) {}
  static bool matches(ExprKind k) { return k == ExprKind::kRamp; }
  Expr base, stride;
  int lanes;
};

class BroadcastNode : public ExprNode {
 public:
  BroadcastNode(DataType t, Expr v, int l)
      : ExprNode(ExprKind::kBroadcast, t), value(std::move(v)), lanes(l) {}
  static bool matches(ExprKind k) { return k == ExprKind::kBroadcast; }
  Expr value;
  int lanes;
};

class LetNode : public ExprNode {
 public:
  LetNode(DataType t, Var v, Expr val, Expr b)
      : ExprNode(ExprKind::kLet, t), var(std::move(v)), value(std::move(val)), body(std::move(b)) {}
  static bool matches(ExprKind k) { return k == ExprKind::kLet; }
  Var var;
  Expr value, body;
};

// Exact constructors: no folding; types checked.
Expr make_int(int64_t value, DataType dtype = DataType::int32());
Expr make_bool(bool value);
Expr make_float(double value, DataType dtype = DataType::float32());
/// A constant of `dtype` (integer or float) equal to `value`.
Expr make_const(DataType dtype, double value);
Expr make_binary(ExprKind op, Expr a, Expr b);
Expr make_not(Expr a);
Expr make_select(Expr condition, Expr true_value, Expr false_value);
Expr make_cast(DataType dtype, Expr value);
Expr make_load(Buffer buffer, std::vector<Expr> indices);
Expr make_call(DataType dtype, std::string op, std::vector<Expr> args);
Expr make_ramp(Expr base, Expr stride, int lanes);
Expr make_broadcast(Expr value, int lanes);
Expr make_let(Var var, Expr value, Expr body);

/// The constant value of an integer immediate, or nullopt.
std::optional<int64_t> as_const_int(const Expr& e);
/// True if `e` is an integer immediate equal to `value`.
bool is_const_int(const Expr& e, int64_t value);

}  // namespace tessera
