// Elementwise operators: unary math and activations, binary arithmetic and comparisons
// with numpy broadcasting, Where, Cast, Clip, variadic Min/Max/Sum/Mean.
#include <fmt/format.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Fn = std::function<Expr(const std::vector<Expr>&)>;

te::Tensor require(ConversionContext& c, const Inputs& in, size_t i) { return c.tensor(in, i); }

void require_float(ConversionContext& c, const te::Tensor& t) {
  if (!t->dtype.is_floating())
    c.unsupported(fmt::format("{} is defined here for floating-point tensors, got {}",
                              c.node.op_type, t->dtype.str()));
}

Expr real(DataType t, double v) { return make_const(t, v); }

// A unary floating-point operator; `fn` gets the element and the context (for attributes).
void unary(const char* op, int64_t since, std::function<Expr(ConversionContext&, const Expr&)> fn,
           bool floating_only = true) {
  static std::vector<std::unique_ptr<OperatorRegistration>> registrations;
  registrations.push_back(std::make_unique<OperatorRegistration>(OperatorInfo{
      op, OperatorKind::kElementwise, since,
      [op, fn, floating_only](ConversionContext& c,
                              const Inputs& in) -> std::vector<OperatorOutput> {
        te::Tensor x = require(c, in, 0);
        if (floating_only) require_float(c, x);
        return {elementwise(
            c, {x}, [&](const std::vector<Expr>& v) { return fn(c, v[0]); }, snake_case(op))};
      }}));
}

// A binary operator with numpy broadcasting; both inputs of one type unless `mixed`.
void binary(const char* op, int64_t since, std::function<Expr(const Expr&, const Expr&)> fn) {
  static std::vector<std::unique_ptr<OperatorRegistration>> registrations;
  registrations.push_back(std::make_unique<OperatorRegistration>(OperatorInfo{
      op, OperatorKind::kElementwise, since,
      [op, fn](ConversionContext& c, const Inputs& in) -> std::vector<OperatorOutput> {
        te::Tensor a = require(c, in, 0), b = require(c, in, 1);
        if (a->dtype != b->dtype && std::string(op) != "Pow")
          c.fail(
              fmt::format("inputs have different types {} and {}", a->dtype.str(), b->dtype.str()));
        return {elementwise(
            c, {a, b}, [&](const std::vector<Expr>& v) { return fn(v[0], v[1]); }, snake_case(op))};
      }}));
}

Expr relu(const Expr& x) { return max(x, make_const(x.dtype(), 0)); }

struct Registrations {
  Registrations() {
    unary("Relu", 6, [](ConversionContext&, const Expr& x) { return relu(x); }, false);
    unary("Exp", 6, [](ConversionContext&, const Expr& x) { return exp(x); });
    unary("Log", 6, [](ConversionContext&, const Expr& x) { return log(x); });
    unary("Sqrt", 6, [](ConversionContext&, const Expr& x) { return sqrt(x); });
    unary("Tanh", 6, [](ConversionContext&, const Expr& x) { return tanh(x); });
    unary("Sigmoid", 6, [](ConversionContext&, const Expr& x) { return sigmoid(x); });
    unary("Erf", 9,
          [](ConversionContext&, const Expr& x) { return make_call(x.dtype(), "erf", {x}); });
    unary("Abs", 6, [](ConversionContext&, const Expr& x) { return abs(x); }, false);
    unary(
        "Neg", 6, [](ConversionContext&, const Expr& x) { return make_const(x.dtype(), 0) - x; },
        false);
    unary("Floor", 6,
          [](ConversionContext&, const Expr& x) { return make_call(x.dtype(), "floor", {x}); });
    unary("Ceil", 6,
          [](ConversionContext&, const Expr& x) { return make_call(x.dtype(), "ceil", {x}); });
    unary("Reciprocal", 6,
          [](ConversionContext&, const Expr& x) { return real(x.dtype(), 1.0) / x; });
    unary("LeakyRelu", 6, [](ConversionContext& c, const Expr& x) {
      Expr alpha = real(x.dtype(), c.get_float("alpha", 0.01));
      return select(lt(x, real(x.dtype(), 0)), x * alpha, x);
    });
    unary("Elu", 6, [](ConversionContext& c, const Expr& x) {
      Expr alpha = real(x.dtype(), c.get_float("alpha", 1.0));
      return select(lt(x, real(x.dtype(), 0)), alpha * (exp(x) - real(x.dtype(), 1)), x);
    });
    unary("HardSigmoid", 6, [](ConversionContext& c, const Expr& x) {
      DataType t = x.dtype();
      Expr y = real(t, c.get_float("alpha", 0.2)) * x + real(t, c.get_float("beta", 0.5));
      return min(max(y, real(t, 0)), real(t, 1));
    });
    unary("HardSwish", 14, [](ConversionContext&, const Expr& x) {
      DataType t = x.dtype();
      Expr y = real(t, 1.0 / 6.0) * x + real(t, 0.5);
      return x * min(max(y, real(t, 0)), real(t, 1));
    });
    unary("Softplus", 1,
          [](ConversionContext&, const Expr& x) { return log(exp(x) + real(x.dtype(), 1)); });
    unary("Gelu", 20, [](ConversionContext& c, const Expr& x) {
      DataType t = x.dtype();
      std::string approximate = c.get_string("approximate", "none");
      if (approximate == "tanh") {
        Expr inner = real(t, 0.7978845608028654) * (x + real(t, 0.044715) * x * x * x);
        return real(t, 0.5) * x * (real(t, 1) + tanh(inner));
      }
      if (approximate != "none")
        c.fail(fmt::format("approximate must be \"none\" or \"tanh\", got \"{}\"", approximate));
      return real(t, 0.5) * x *
             (real(t, 1) + make_call(t, "erf", {x * real(t, 0.7071067811865476)}));
    });
    unary("Not", 1, [](ConversionContext&, const Expr& x) { return logical_not(x); }, false);

    binary("Add", 7, [](const Expr& a, const Expr& b) { return a + b; });
    binary("Sub", 7, [](const Expr& a, const Expr& b) { return a - b; });
    binary("Mul", 7, [](const Expr& a, const Expr& b) { return a * b; });
    binary("Div", 7, [](const Expr& a, const Expr& b) { return a / b; });
    binary("Pow", 7, [](const Expr& a, const Expr& b) {
      // The exponent may have another type than the base; the result has the base's.
      if (!a.dtype().is_floating()) {
        DataType f64 = DataType::float64();
        return cast(a.dtype(), make_call(f64, "pow", {cast(f64, a), cast(f64, b)}));
      }
      return make_call(a.dtype(), "pow", {a, cast(a.dtype(), b)});
    });
    binary("Equal", 7, [](const Expr& a, const Expr& b) { return eq(a, b); });
    binary("Less", 7, [](const Expr& a, const Expr& b) { return lt(a, b); });
    binary("LessOrEqual", 12, [](const Expr& a, const Expr& b) { return le(a, b); });
    binary("Greater", 7, [](const Expr& a, const Expr& b) { return gt(a, b); });
    binary("GreaterOrEqual", 12, [](const Expr& a, const Expr& b) { return ge(a, b); });
    binary("And", 7, [](const Expr& a, const Expr& b) { return logical_and(a, b); });
    binary("Or", 7, [](const Expr& a, const Expr& b) { return logical_or(a, b); });
  }
};
const Registrations registrations;

std::vector<OperatorOutput> variadic(ConversionContext& c, const Inputs& in,
                                     const std::function<Expr(Expr, Expr)>& combine, bool mean) {
  std::vector<te::Tensor> tensors;
  for (size_t i = 0; i < in.size(); ++i) tensors.push_back(require(c, in, i));
  if (tensors.empty()) c.fail("needs at least one input");
  for (const te::Tensor& t : tensors)
    if (t->dtype != tensors[0]->dtype) c.fail("inputs have different types");
  return {elementwise(
      c, tensors,
      [&](const std::vector<Expr>& v) {
        Expr r = v[0];
        for (size_t i = 1; i < v.size(); ++i) r = combine(r, v[i]);
        if (mean) r = r / make_const(r.dtype(), static_cast<double>(v.size()));
        return r;
      },
      snake_case(c.node.op_type))};
}

const OperatorRegistration max_op{
    {"Max", OperatorKind::kElementwise, 8, [](ConversionContext& c, const Inputs& in) {
       return variadic(c, in, [](Expr a, Expr b) { return max(a, b); }, false);
     }}};
const OperatorRegistration min_op{
    {"Min", OperatorKind::kElementwise, 8, [](ConversionContext& c, const Inputs& in) {
       return variadic(c, in, [](Expr a, Expr b) { return min(a, b); }, false);
     }}};
const OperatorRegistration sum_op{
    {"Sum", OperatorKind::kElementwise, 8, [](ConversionContext& c, const Inputs& in) {
       return variadic(c, in, [](Expr a, Expr b) { return a + b; }, false);
     }}};
const OperatorRegistration mean_op{
    {"Mean", OperatorKind::kElementwise, 8, [](ConversionContext& c, const Inputs& in) {
       return variadic(c, in, [](Expr a, Expr b) { return a + b; }, /*mean=*/true);
     }}};

const OperatorRegistration where_op{
    {"Where", OperatorKind::kElementwise, 9, [](ConversionContext& c, const Inputs& in) {
       te::Tensor cond = require(c, in, 0), a = require(c, in, 1), b = require(c, in, 2);
       if (a->dtype != b->dtype) c.fail("X and Y have different types");
       return std::vector<OperatorOutput>{elementwise(
           c, {cond, a, b},
           [](const std::vector<Expr>& v) {
             Expr condition = v[0].dtype().is_bool() ? v[0] : ne(v[0], make_const(v[0].dtype(), 0));
             return select(condition, v[1], v[2]);
           },
           "where")};
     }}};

DataType onnx_type(ConversionContext& c, int64_t code);

const OperatorRegistration cast_op{
    {"Cast", OperatorKind::kElementwise, 6, [](ConversionContext& c, const Inputs& in) {
       te::Tensor x = require(c, in, 0);
       DataType to = onnx_type(c, c.get_int("to"));
       return std::vector<OperatorOutput>{elementwise(
           c, {x},
           [&](const std::vector<Expr>& v) {
             if (to.is_bool()) return ne(v[0], make_const(v[0].dtype(), 0));
             return cast(to, v[0]);
           },
           "cast")};
     }}};

const OperatorRegistration clip_op{
    {"Clip", OperatorKind::kElementwise, 6, [](ConversionContext& c, const Inputs& in) {
       te::Tensor x = require(c, in, 0);
       std::vector<te::Tensor> operands{x};
       std::optional<double> low, high;
       int low_input = -1, high_input = -1;
       if (c.opset < 11) {
         low = c.get_float("min", -3.4028234663852886e38);
         high = c.get_float("max", 3.4028234663852886e38);
       } else {
         for (size_t i = 1; i < 3 && i < in.size(); ++i) {
           if (!in[i].present()) continue;
           if (!in[i].shape().empty()) c.fail(fmt::format("input {} must be a scalar", i));
           if (in[i].constant != nullptr) {
             (i == 1 ? low : high) = in[i].constant->get(0);
           } else {
             (i == 1 ? low_input : high_input) = static_cast<int>(operands.size());
             operands.push_back(in[i].tensor);
           }
         }
       }
       return std::vector<OperatorOutput>{elementwise(
           c, operands,
           [&](const std::vector<Expr>& v) {
             Expr r = v[0];
             DataType t = r.dtype();
             if (low) r = max(r, make_const(t, *low));
             if (low_input >= 0) r = max(r, v[static_cast<size_t>(low_input)]);
             if (high) r = min(r, make_const(t, *high));
             if (high_input >= 0) r = min(r, v[static_cast<size_t>(high_input)]);
             return r;
           },
           "clip")};
     }}};

const OperatorRegistration identity_op{
    {"Identity", OperatorKind::kView, 1, [](ConversionContext& c, const Inputs& in) {
       return std::vector<OperatorOutput>{require(c, in, 0)};
     }}};

const OperatorRegistration dropout_op{
    {"Dropout", OperatorKind::kView, 1, [](ConversionContext& c, const Inputs& in) {
       if (c.node.outputs.size() > 1 && c.node.outputs[1] >= 0)
         c.unsupported("the mask output of Dropout is not supported (inference only)");
       if (in.size() > 2 && in[2].present() &&
           (in[2].constant == nullptr || in[2].constant->get(0) != 0))
         c.unsupported("Dropout in training mode is not supported (inference only)");
       return std::vector<OperatorOutput>{require(c, in, 0)};
     }}};

DataType onnx_type(ConversionContext& c, int64_t code) {
  switch (code) {
    case 1: return DataType::float32();
    case 2: return DataType::uint8();
    case 3: return DataType::int8();
    case 5: return DataType::int16();
    case 6: return DataType::int32();
    case 7: return DataType::int64();
    case 9: return DataType::boolean();
    case 10: return DataType::float16();
    case 11: return DataType::float64();
    case 16: return DataType::bfloat16();
    default:
      c.unsupported(
          fmt::format("element type {} (TensorProto data type code) is not supported", code));
  }
}

}  // namespace
}  // namespace tessera::frontend
