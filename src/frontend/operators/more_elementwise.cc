// More elementwise operators: PRelu, Softsign, ThresholdedRelu, Selu, Celu, Shrink, Sign,
// Round, IsNaN, IsInf, Xor, Mod.
#include <limits>

#include <fmt/format.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Outputs = std::vector<OperatorOutput>;

Expr real(DataType t, double v) { return make_const(t, v); }

// A unary operator over floating-point input; `fn` sees the element and the node.
Outputs unary_float(ConversionContext& c, const Inputs& in, const char* name,
                    const std::function<Expr(ConversionContext&, const Expr&)>& fn) {
  te::Tensor x = c.tensor(in, 0);
  if (!x->dtype.is_floating())
    c.unsupported(fmt::format("{} is supported for floating-point inputs, got {}", c.node.op_type,
                              x->dtype.str()));
  return {elementwise(c, {x}, [&](const std::vector<Expr>& v) { return fn(c, v[0]); }, name)};
}

Outputs prelu(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0, "X"), slope = c.tensor(in, 1, "slope");
  if (x->dtype != slope->dtype) c.fail("X and slope have different types");
  return {elementwise(
      c, {x, slope},
      [](const std::vector<Expr>& v) {
        return select(lt(v[0], make_const(v[0].dtype(), 0)), v[0] * v[1], v[0]);
      },
      "prelu")};
}

Outputs sign(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0);
  return {elementwise(
      c, {x},
      [](const std::vector<Expr>& v) {
        DataType t = v[0].dtype();
        Expr zero = make_const(t, 0);
        return select(gt(v[0], zero), make_const(t, 1),
                      select(lt(v[0], zero), make_const(t, -1), zero));
      },
      "sign")};
}

Outputs xor_op(ConversionContext& c, const Inputs& in) {
  te::Tensor a = c.tensor(in, 0), b = c.tensor(in, 1);
  return {elementwise(c, {a, b}, [](const std::vector<Expr>& v) { return ne(v[0], v[1]); }, "xor")};
}

Outputs mod(ConversionContext& c, const Inputs& in) {
  te::Tensor a = c.tensor(in, 0), b = c.tensor(in, 1);
  if (a->dtype != b->dtype) c.fail("A and B have different types");
  const bool fmod = c.get_int("fmod", 0) != 0;
  if (a->dtype.is_floating() && !fmod) c.fail("Mod of floating-point inputs needs fmod=1");
  return {elementwise(
      c, {a, b},
      [&](const std::vector<Expr>& v) {
        if (a->dtype.is_floating()) {  // C's fmod: the sign of the dividend
          Expr q = v[0] / v[1];
          Expr truncated =
              select(lt(q, make_const(q.dtype(), 0)), make_call(q.dtype(), "ceil", {q}),
                     make_call(q.dtype(), "floor", {q}));
          return v[0] - truncated * v[1];
        }
        if (fmod) return v[0] - div(v[0], v[1]) * v[1];  // truncating
        return floormod(v[0], v[1]);                     // the sign of the divisor, as Python
      },
      "mod")};
}

const OperatorRegistration registrations[] = {
    OperatorRegistration{{"PRelu", OperatorKind::kElementwise, 7, prelu}},
    OperatorRegistration{{"Softsign", OperatorKind::kElementwise, 1,
                          [](ConversionContext& c, const Inputs& in) {
                            return unary_float(c, in, "softsign",
                                               [](ConversionContext&, const Expr& x) {
                                                 return x / (real(x.dtype(), 1) + abs(x));
                                               });
                          }}},
    OperatorRegistration{
        {"ThresholdedRelu", OperatorKind::kElementwise, 10,
         [](ConversionContext& c, const Inputs& in) {
           return unary_float(c, in, "thresholded_relu", [](ConversionContext& ctx, const Expr& x) {
             return select(gt(x, real(x.dtype(), ctx.get_float("alpha", 1.0))), x,
                           real(x.dtype(), 0));
           });
         }}},
    OperatorRegistration{
        {"Selu", OperatorKind::kElementwise, 6,
         [](ConversionContext& c, const Inputs& in) {
           return unary_float(c, in, "selu", [](ConversionContext& ctx, const Expr& x) {
             DataType t = x.dtype();
             Expr alpha = real(t, ctx.get_float("alpha", 1.67326319217681884765625));
             Expr gamma = real(t, ctx.get_float("gamma", 1.05070102214813232421875));
             return gamma * select(gt(x, real(t, 0)), x, alpha * exp(x) - alpha);
           });
         }}},
    OperatorRegistration{
        {"Celu", OperatorKind::kElementwise, 12,
         [](ConversionContext& c, const Inputs& in) {
           return unary_float(c, in, "celu", [](ConversionContext& ctx, const Expr& x) {
             DataType t = x.dtype();
             Expr alpha = real(t, ctx.get_float("alpha", 1.0));
             return max(x, real(t, 0)) + min(real(t, 0), alpha * (exp(x / alpha) - real(t, 1)));
           });
         }}},
    OperatorRegistration{{"Shrink", OperatorKind::kElementwise, 9,
                          [](ConversionContext& c, const Inputs& in) {
                            return unary_float(
                                c, in, "shrink", [](ConversionContext& ctx, const Expr& x) {
                                  DataType t = x.dtype();
                                  Expr lambd = real(t, ctx.get_float("lambd", 0.5)),
                                       bias = real(t, ctx.get_float("bias", 0.0));
                                  return select(lt(x, real(t, 0) - lambd), x + bias,
                                                select(gt(x, lambd), x - bias, real(t, 0)));
                                });
                          }}},
    OperatorRegistration{
        {"Round", OperatorKind::kElementwise, 11,
         [](ConversionContext& c, const Inputs& in) {
           // Half to even: floor(x + 0.5), one less on a tie that lands on an odd value.
           return unary_float(c, in, "round", [](ConversionContext&, const Expr& x) {
             DataType t = x.dtype();
             Expr r = make_call(t, "floor", {x + real(t, 0.5)});
             Expr tie = eq(r - x, real(t, 0.5));
             Expr odd = ne(r - real(t, 2) * make_call(t, "floor", {r * real(t, 0.5)}), real(t, 0));
             return select(logical_and(tie, odd), r - real(t, 1), r);
           });
         }}},
    OperatorRegistration{{"IsNaN", OperatorKind::kElementwise, 9,
                          [](ConversionContext& c, const Inputs& in) {
                            return unary_float(
                                c, in, "is_nan",
                                [](ConversionContext&, const Expr& x) { return ne(x, x); });
                          }}},
    OperatorRegistration{
        {"IsInf", OperatorKind::kElementwise, 10,
         [](ConversionContext& c, const Inputs& in) {
           return unary_float(c, in, "is_inf", [](ConversionContext& ctx, const Expr& x) {
             DataType t = x.dtype();
             // The largest finite value of the type (a double's would round to infinity in
             // float32).
             Expr big = real(t, t.bits() == 64 ? std::numeric_limits<double>::max()
                                               : std::numeric_limits<float>::max());
             Expr positive = gt(x, big), negative = lt(x, real(t, 0) - big);
             const bool detect_positive = ctx.get_int("detect_positive", 1) != 0;
             const bool detect_negative = ctx.get_int("detect_negative", 1) != 0;
             if (detect_positive && detect_negative) return logical_or(positive, negative);
             if (detect_positive) return positive;
             if (detect_negative) return negative;
             return make_bool(false);
           });
         }}},
    OperatorRegistration{{"Sign", OperatorKind::kElementwise, 9, sign}},
    OperatorRegistration{{"Xor", OperatorKind::kElementwise, 7, xor_op}},
    OperatorRegistration{{"Mod", OperatorKind::kElementwise, 10, mod}},
};

}  // namespace
}  // namespace tessera::frontend
