// Convenient expression construction for hand-written IR and the te builder.
//
// Unlike the exact `make_*` constructors, these fold trivial constants
// (1 + 2 -> 3, x * 1 -> x, x + 0 -> x) so generated index expressions stay
// readable. Arithmetic literals take the type of the other operand.
//
//   Expr idx = i * 16 + j;          // int32
//   Expr v = select(lt(k, 3), A(k), make_float(0));
#pragma once

#include <type_traits>

#include "tessera/ir/expr.h"

namespace tessera {

Expr add(Expr a, Expr b);
Expr sub(Expr a, Expr b);
Expr mul(Expr a, Expr b);
Expr div(Expr a, Expr b);  // truncating for integers
Expr floordiv(Expr a, Expr b);
Expr floormod(Expr a, Expr b);
Expr min(Expr a, Expr b);
Expr max(Expr a, Expr b);
Expr eq(Expr a, Expr b);
Expr ne(Expr a, Expr b);
Expr lt(Expr a, Expr b);
Expr le(Expr a, Expr b);
Expr gt(Expr a, Expr b);
Expr ge(Expr a, Expr b);
Expr logical_and(Expr a, Expr b);
Expr logical_or(Expr a, Expr b);
Expr logical_not(Expr a);
Expr select(Expr condition, Expr true_value, Expr false_value);
Expr cast(DataType dtype, Expr value);  // no node when the type already matches
Expr if_then_else(Expr condition, Expr true_value, Expr false_value);
Expr exp(Expr x);
Expr log(Expr x);
Expr sqrt(Expr x);
Expr tanh(Expr x);
Expr sigmoid(Expr x);
Expr abs(Expr x);
/// The conjuncts of a condition: `a && (b && c)` gives a, b, c (appended to `out`).
void conjuncts(const Expr& condition, std::vector<Expr>& out);

inline Expr operator+(Expr a, Expr b) { return add(std::move(a), std::move(b)); }
inline Expr operator-(Expr a, Expr b) { return sub(std::move(a), std::move(b)); }
inline Expr operator*(Expr a, Expr b) { return mul(std::move(a), std::move(b)); }
inline Expr operator/(Expr a, Expr b) { return div(std::move(a), std::move(b)); }

template <typename T>
concept Arithmetic = std::is_arithmetic_v<T>;

/// A literal of type `t` (scalar) with value v: integers stay exact.
template <Arithmetic T>
Expr literal_like(DataType t, T v) {
  if constexpr (std::is_integral_v<T>) {
    if (t.is_integer()) return make_int(static_cast<int64_t>(v), t.element_of());
  }
  return make_const(t.element_of(), static_cast<double>(v));
}

template <Arithmetic T>
Expr operator+(Expr a, T b) {
  DataType t = a.dtype();
  return add(std::move(a), literal_like(t, b));
}
template <Arithmetic T>
Expr operator+(T a, Expr b) {
  DataType t = b.dtype();
  return add(literal_like(t, a), std::move(b));
}
template <Arithmetic T>
Expr operator-(Expr a, T b) {
  DataType t = a.dtype();
  return sub(std::move(a), literal_like(t, b));
}
template <Arithmetic T>
Expr operator-(T a, Expr b) {
  DataType t = b.dtype();
  return sub(literal_like(t, a), std::move(b));
}
template <Arithmetic T>
Expr operator*(Expr a, T b) {
  DataType t = a.dtype();
  return mul(std::move(a), literal_like(t, b));
}
template <Arithmetic T>
Expr operator*(T a, Expr b) {
  DataType t = b.dtype();
  return mul(literal_like(t, a), std::move(b));
}
template <Arithmetic T>
Expr operator/(Expr a, T b) {
  DataType t = a.dtype();
  return div(std::move(a), literal_like(t, b));
}

}  // namespace tessera
