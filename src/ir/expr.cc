#include "tessera/ir/expr.h"

#include <cmath>
#include <limits>

#include "tessera/ir/intrinsics.h"
#include "tessera/support/error.h"

namespace tessera {

const char* expr_kind_name(ExprKind kind) {
  static constexpr const char* kNames[] = {
      "IntImm", "FloatImm", "Var",        "Add",  "Sub",  "Mul",       "Div",
      "Mod",    "FloorDiv", "FloorMod",   "Min",  "Max",  "EQ",        "NE",
      "LT",     "LE",       "GT",         "GE",   "And",  "Or",        "Not",
      "Select", "Cast",     "BufferLoad", "Call", "Ramp", "Broadcast", "Let"};
  return kNames[static_cast<int>(kind)];
}

const std::vector<IntrinsicInfo>& builtin_intrinsics() {
  static const std::vector<IntrinsicInfo> kBuiltins = {
      {"exp", 1, true},           {"log", 1, true},  {"sqrt", 1, true},  {"tanh", 1, true},
      {"sigmoid", 1, true},       {"erf", 1, true},  {"floor", 1, true}, {"ceil", 1, true},
      {"round", 1, true},         {"abs", 1, false}, {"pow", 2, true},   {"fma", 3, true},
      {"if_then_else", 3, false},
  };
  return kBuiltins;
}

const IntrinsicInfo* find_builtin_intrinsic(std::string_view name) {
  for (const IntrinsicInfo& info : builtin_intrinsics()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

Var::Var(std::string name, DataType dtype)
    : Expr(std::make_shared<VarNode>(dtype, std::move(name))) {}

Var Var::from_expr(const Expr& e) {
  if (e.as<VarNode>() == nullptr) {
    fail("expected a variable, got {}", e.defined() ? expr_kind_name(e.kind()) : "nothing");
  }
  return Var(e.node());
}

namespace {

void check_defined(const Expr& e, const char* what, const char* in) {
  if (!e.defined()) fail("{}: {} is missing", in, what);
}

bool fits(int64_t value, DataType t) {
  if (t.is_bool()) return value == 0 || value == 1;
  if (t.bits() >= 64) return t.is_int() || value >= 0;
  if (t.is_int()) {
    const int64_t lo = -(int64_t{1} << (t.bits() - 1));
    const int64_t hi = (int64_t{1} << (t.bits() - 1)) - 1;
    return value >= lo && value <= hi;
  }
  return value >= 0 && value < (int64_t{1} << t.bits());
}

}  // namespace

Expr make_int(int64_t value, DataType dtype) {
  if (!dtype.is_integer() || !dtype.is_scalar())
    fail("integer constant of non-integer type {}", dtype.str());
  if (!fits(value, dtype)) fail("integer constant {} does not fit in {}", value, dtype.str());
  return Expr(std::make_shared<IntImmNode>(dtype, value));
}

Expr make_bool(bool value) { return make_int(value ? 1 : 0, DataType::boolean()); }

Expr make_float(double value, DataType dtype) {
  if (!dtype.is_floating() || !dtype.is_scalar())
    fail("float constant of non-float type {}", dtype.str());
  return Expr(std::make_shared<FloatImmNode>(dtype, value));
}

Expr make_const(DataType dtype, double value) {
  if (dtype.is_floating()) return make_float(value, dtype.element_of());
  if (dtype.is_integer()) {
    if (value != std::trunc(value))
      fail("constant {} is not an integer of type {}", value, dtype.str());
    return make_int(static_cast<int64_t>(value), dtype.element_of());
  }
  fail("no constants of type {}", dtype.str());
}

Expr make_binary(ExprKind op, Expr a, Expr b) {
  const char* name = expr_kind_name(op);
  if (!is_binary(op)) fail("make_binary: {} is not a binary operator", name);
  check_defined(a, "left operand", name);
  check_defined(b, "right operand", name);
  if (a.dtype() != b.dtype()) {
    fail("{}: operand types differ ({} vs {})", name, a.dtype().str(), b.dtype().str());
  }
  DataType t = a.dtype();
  if (t.is_handle()) fail("{}: operands of type handle", name);
  if (op == ExprKind::kAnd || op == ExprKind::kOr) {
    if (!t.is_bool()) fail("{}: operands must be bool, got {}", name, t.str());
  } else if (op == ExprKind::kMod || op == ExprKind::kFloorDiv || op == ExprKind::kFloorMod) {
    if (!t.is_integer()) fail("{}: operands must be integers, got {}", name, t.str());
  }
  DataType result = is_comparison(op) ? DataType::boolean().with_lanes(t.lanes()) : t;
  return Expr(std::make_shared<BinaryNode>(op, result, std::move(a), std::move(b)));
}

Expr make_not(Expr a) {
  check_defined(a, "operand", "Not");
  if (!a.dtype().is_bool()) fail("Not: operand must be bool, got {}", a.dtype().str());
  DataType t = a.dtype();
  return Expr(std::make_shared<NotNode>(t, std::move(a)));
}

Expr make_select(Expr condition, Expr true_value, Expr false_value) {
  check_defined(condition, "condition", "Select");
  check_defined(true_value, "true value", "Select");
  check_defined(false_value, "false value", "Select");
  if (!condition.dtype().is_bool())
    fail("Select: condition must be bool, got {}", condition.dtype().str());
  if (true_value.dtype() != false_value.dtype()) {
    fail("Select: branch types differ ({} vs {})", true_value.dtype().str(),
         false_value.dtype().str());
  }
  if (condition.dtype().lanes() != 1 && condition.dtype().lanes() != true_value.dtype().lanes()) {
    fail("Select: condition has {} lanes, values have {}", condition.dtype().lanes(),
         true_value.dtype().lanes());
  }
  DataType t = true_value.dtype();
  return Expr(std::make_shared<SelectNode>(t, std::move(condition), std::move(true_value),
                                           std::move(false_value)));
}

Expr make_cast(DataType dtype, Expr value) {
  check_defined(value, "value", "Cast");
  if (dtype.lanes() != value.dtype().lanes()) {
    fail("Cast: cannot change lanes ({} to {})", value.dtype().str(), dtype.str());
  }
  if (dtype.is_handle() || value.dtype().is_handle()) fail("Cast: handles cannot be cast");
  return Expr(std::make_shared<CastNode>(dtype, std::move(value)));
}

Expr make_load(Buffer buffer, std::vector<Expr> indices) {
  if (!buffer.defined()) fail("BufferLoad: buffer is missing");
  if (indices.size() != buffer.ndim()) {
    fail("load from buffer '{}' with {} indices, but it has {} dimensions", buffer->name,
         indices.size(), buffer.ndim());
  }
  int lanes = 1;
  for (const Expr& index : indices) {
    check_defined(index, "index", "BufferLoad");
    if (!index.dtype().is_integer() || index.dtype().is_bool()) {
      fail("load from buffer '{}': index of type {} (must be an integer)", buffer->name,
           index.dtype().str());
    }
    if (index.dtype().lanes() > 1) {
      if (lanes > 1 && lanes != index.dtype().lanes())
        fail("load from '{}': indices with different lanes", buffer->name);
      lanes = index.dtype().lanes();
    }
  }
  DataType t = buffer->dtype.with_lanes(lanes);
  return Expr(std::make_shared<BufferLoadNode>(t, std::move(buffer), std::move(indices)));
}

Expr make_call(DataType dtype, std::string op, std::vector<Expr> args) {
  for (const Expr& arg : args) check_defined(arg, "argument", "Call");
  if (const IntrinsicInfo* info = find_builtin_intrinsic(op)) {
    if (static_cast<int>(args.size()) != info->arity) {
      fail("{} takes {} argument(s), got {}", op, info->arity, args.size());
    }
    if (op == "if_then_else") {
      if (!args[0].dtype().is_bool() || args[0].dtype().lanes() != 1) {
        fail("if_then_else: condition must be a scalar bool, got {}", args[0].dtype().str());
      }
      if (args[1].dtype() != args[2].dtype()) {
        fail("if_then_else: branch types differ ({} vs {})", args[1].dtype().str(),
             args[2].dtype().str());
      }
      if (dtype != args[1].dtype())
        fail("if_then_else: result type {} differs from its branches' {}", dtype.str(),
             args[1].dtype().str());
    } else {
      for (const Expr& arg : args) {
        if (arg.dtype() != dtype)
          fail("{}: argument of type {}, expected {}", op, arg.dtype().str(), dtype.str());
      }
      if (info->floating_only && !dtype.is_floating())
        fail("{}: needs floating-point arguments, got {}", op, dtype.str());
    }
  } else if (op.find('.') == std::string::npos || op.front() == '.' || op.back() == '.') {
    fail(
        "unknown intrinsic '{}' (built-ins: exp, log, sqrt, tanh, sigmoid, erf, floor, ceil, "
        "round, abs, pow, "
        "fma, if_then_else; target intrinsics have dotted names such as "
        "llvm.x86.avx512.vpdpbusd.512)",
        op);
  }
  return Expr(std::make_shared<CallNode>(dtype, std::move(op), std::move(args)));
}

Expr make_ramp(Expr base, Expr stride, int lanes) {
  check_defined(base, "base", "Ramp");
  check_defined(stride, "stride", "Ramp");
  if (lanes < 2) fail("Ramp: lanes must be at least 2, got {}", lanes);
  if (!base.dtype().is_int() || !base.dtype().is_scalar())
    fail("Ramp: base must be a scalar signed integer, got {}", base.dtype().str());
  if (stride.dtype() != base.dtype())
    fail("Ramp: stride type {} differs from base type {}", stride.dtype().str(),
         base.dtype().str());
  DataType t = base.dtype().with_lanes(lanes);
  return Expr(std::make_shared<RampNode>(t, std::move(base), std::move(stride), lanes));
}

Expr make_broadcast(Expr value, int lanes) {
  check_defined(value, "value", "Broadcast");
  if (lanes < 2) fail("Broadcast: lanes must be at least 2, got {}", lanes);
  if (!value.dtype().is_scalar())
    fail("Broadcast: value must be a scalar, got {}", value.dtype().str());
  DataType t = value.dtype().with_lanes(lanes);
  return Expr(std::make_shared<BroadcastNode>(t, std::move(value), lanes));
}

Expr make_let(Var var, Expr value, Expr body) {
  if (!var.defined()) fail("Let: variable is missing");
  check_defined(value, "value", "Let");
  check_defined(body, "body", "Let");
  if (var.dtype() != value.dtype()) {
    fail("Let: variable '{}' of type {} bound to a value of type {}", var.name(), var.dtype().str(),
         value.dtype().str());
  }
  DataType t = body.dtype();
  return Expr(std::make_shared<LetNode>(t, std::move(var), std::move(value), std::move(body)));
}

std::optional<int64_t> as_const_int(const Expr& e) {
  if (const auto* imm = e.as<IntImmNode>()) return imm->value;
  return std::nullopt;
}

bool is_const_int(const Expr& e, int64_t value) {
  auto c = as_const_int(e);
  return c.has_value() && *c == value;
}

}  // namespace tessera
