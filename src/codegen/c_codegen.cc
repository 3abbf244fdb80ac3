#include "tessera/codegen/c_codegen.h"

#include <cmath>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "tessera/ir/printer.h"
#include "tessera/support/error.h"

namespace tessera {

namespace {

// Helpers every translation unit starts with: floor division and modulo, and min/max
// with the interpreter's semantics (the first operand unless the second is strictly
// smaller/greater, which also fixes what a NaN gives).
constexpr const char* kPrelude = R"(#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define TSR_FLOORDIV(T) static inline T tsr_floordiv_##T(T a, T b) { T q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q; }
#define TSR_FLOORMOD(T) static inline T tsr_floormod_##T(T a, T b) { T m = a % b; return (m != 0 && ((m < 0) != (b < 0))) ? m + b : m; }
#define TSR_MINMAX(T) static inline T tsr_min_##T(T a, T b) { return b < a ? b : a; } static inline T tsr_max_##T(T a, T b) { return b > a ? b : a; }
TSR_FLOORDIV(int8_t) TSR_FLOORDIV(int16_t) TSR_FLOORDIV(int32_t) TSR_FLOORDIV(int64_t)
TSR_FLOORMOD(int8_t) TSR_FLOORMOD(int16_t) TSR_FLOORMOD(int32_t) TSR_FLOORMOD(int64_t)
TSR_MINMAX(int8_t) TSR_MINMAX(int16_t) TSR_MINMAX(int32_t) TSR_MINMAX(int64_t)
TSR_MINMAX(uint8_t) TSR_MINMAX(uint16_t) TSR_MINMAX(uint32_t) TSR_MINMAX(uint64_t)
TSR_MINMAX(float) TSR_MINMAX(double)
static inline float tsr_sigmoidf(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline double tsr_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
)";

class CEmitter {
 public:
  explicit CEmitter(const PrimFunc& func) : func_(func) {}

  // `void name(T* restrict p, ...)`, the typed entry point.
  std::string signature() {
    std::vector<std::string> params;
    for (const Buffer& p : func_->params) {
      if (p.ndim() != 1)
        fail("C backend: parameter '{}' of '{}' is not flattened; lower the function first",
             p->name, func_->name);
      params.push_back(fmt::format("{}* restrict {}", type(p->dtype), name_of(p)));
    }
    return fmt::format("void {}({})", ident(func_->name), fmt::join(params, ", "));
  }

  // The declarations of both entry points, each parameter's element count noted.
  std::string declarations() {
    std::string out = fmt::format("/* {}:", func_->name);
    for (const Buffer& p : func_->params)
      out += fmt::format(" {} {}[{}]", name_of(p), p->dtype.str(), print(p->shape[0]));
    out += fmt::format(
        " (flattened, row-major) */\n{};\n"
        "/* One pointer per parameter, in order. Returns 0 after running the kernel, or i + 1\n"
        "   without running it when args[i] is not 64-byte aligned. */\n"
        "int {}_packed(void** args);\n",
        signature(), ident(func_->name));
    return out;
  }

  std::string emit() {
    std::string fname = ident(func_->name);
    out_ << signature() << " {\n";
    indent_ = 1;
    stmt(func_->body);
    out_ << "}\n\n";
    out_ << fmt::format("int {}_packed(void** args) {{\n", fname);
    out_ << fmt::format(
        "  for (int i = 0; i < {}; ++i) {{\n    if ((uintptr_t)args[i] % 64 != 0) return i + 1;\n  "
        "}}\n  {}(",
        func_->params.size(), fname);
    for (size_t i = 0; i < func_->params.size(); ++i) {
      out_ << fmt::format("{}({}*)args[{}]", i == 0 ? "" : ", ", type(func_->params[i]->dtype), i);
    }
    out_ << ");\n  return 0;\n}\n\n";
    return out_.str();
  }

 private:
  [[noreturn]] void unsupported(const std::string& what) {
    fail("C backend: function '{}': {}", func_->name, what);
  }

  static std::string ident(const std::string& name) {
    std::string s;
    for (char c : name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) s = "v_" + s;
    return s;
  }
  // Distinct names for distinct variables and buffers (the IR allows equal names).
  std::string unique(const void* key, const std::string& base) {
    auto it = names_.find(key);
    if (it != names_.end()) return it->second;
    std::string n = ident(base);
    for (int k = 1; taken_.count(n) != 0; ++k) n = fmt::format("{}_{}", ident(base), k);
    taken_.insert(n);
    return names_[key] = n;
  }
  std::string name_of(const Var& v) { return unique(v.get(), v.name()); }
  std::string name_of(const Buffer& b) { return unique(b.get(), b->name); }

  std::string type(DataType t) {
    if (t.lanes() != 1)
      unsupported(fmt::format(
          "vector type {} (the C backend emits scalar code: lower with vectorize off)", t.str()));
    if (t.is_bool()) return "int32_t";
    switch (t.code()) {
      case TypeCode::kInt: return fmt::format("int{}_t", t.bits());
      case TypeCode::kUInt: return fmt::format("uint{}_t", t.bits());
      case TypeCode::kFloat:
        if (t.bits() == 32) return "float";
        if (t.bits() == 64) return "double";
        break;
      default: break;
    }
    unsupported(fmt::format("data type {} has no C equivalent here", t.str()));
  }

  std::string line() const { return std::string(static_cast<size_t>(indent_) * 2, ' '); }

  std::string expr(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::kIntImm: {
        int64_t v = e.as<IntImmNode>()->value;
        if (e.dtype().is_bool()) return v ? "1" : "0";
        if (e.dtype().bits() == 64) return fmt::format("INT64_C({})", v);
        return v < 0 ? fmt::format("({})", v) : fmt::format("{}", v);
      }
      case ExprKind::kFloatImm: {
        double v = e.as<FloatImmNode>()->value;
        bool single = e.dtype().bits() == 32;
        if (std::isnan(v)) return single ? "NAN" : "(double)NAN";
        if (std::isinf(v))
          return fmt::format("{}{}", v < 0 ? "-" : "", single ? "INFINITY" : "(double)INFINITY");
        // Enough digits to round-trip; a decimal point so C reads a floating constant.
        std::string digits = single ? fmt::format("{:.9g}", v) : fmt::format("{:.17g}", v);
        if (digits.find_first_of(".e") == std::string::npos) digits += ".0";
        return single ? digits + "f" : digits;
      }
      case ExprKind::kVar: {
        const auto* v = e.as<VarNode>();
        auto it = names_.find(v);
        if (it == names_.end())
          unsupported(fmt::format("variable '{}' is used outside its loop or let", v->name));
        return it->second;
      }
      case ExprKind::kNot: return fmt::format("(!{})", expr(e.as<NotNode>()->a));
      case ExprKind::kSelect: {
        const auto* s = e.as<SelectNode>();
        return fmt::format("({} ? {} : {})", expr(s->condition), expr(s->true_value),
                           expr(s->false_value));
      }
      case ExprKind::kCast:
        return fmt::format("(({}){})", type(e.dtype()), expr(e.as<CastNode>()->value));
      case ExprKind::kBufferLoad: {
        const auto* l = e.as<BufferLoadNode>();
        if (l->indices.size() != 1)
          unsupported(fmt::format("buffer '{}' is not flattened", l->buffer->name));
        return fmt::format("{}[{}]", name_of(l->buffer), expr(l->indices[0]));
      }
      case ExprKind::kCall: return call(e.as<CallNode>(), e.dtype());
      case ExprKind::kLet: unsupported("a let expression (lowering does not produce them)");
      case ExprKind::kRamp:
      case ExprKind::kBroadcast: unsupported("a vector expression");
      default: break;
    }
    const auto* b = e.as<BinaryNode>();
    if (b == nullptr) unsupported(fmt::format("expression kind {}", expr_kind_name(e.kind())));
    std::string x = expr(b->a), y = expr(b->b);
    DataType t = b->a.dtype();
    const bool is_float = t.is_floating();
    switch (b->kind) {
      case ExprKind::kAdd: return fmt::format("({} + {})", x, y);
      case ExprKind::kSub: return fmt::format("({} - {})", x, y);
      case ExprKind::kMul: return fmt::format("({} * {})", x, y);
      case ExprKind::kDiv: return fmt::format("({} / {})", x, y);
      case ExprKind::kMod:
        return is_float ? fmt::format("{}({}, {})", t.bits() == 32 ? "fmodf" : "fmod", x, y)
                        : fmt::format("({} % {})", x, y);
      case ExprKind::kFloorDiv:
        if (is_float) return fmt::format("{}({} / {})", t.bits() == 32 ? "floorf" : "floor", x, y);
        return fmt::format("tsr_floordiv_{}({}, {})", type(t), x, y);
      case ExprKind::kFloorMod:
        if (is_float) unsupported("floormod of floats");
        return fmt::format("tsr_floormod_{}({}, {})", type(t), x, y);
      case ExprKind::kMin: return fmt::format("tsr_min_{}({}, {})", type(t), x, y);
      case ExprKind::kMax: return fmt::format("tsr_max_{}({}, {})", type(t), x, y);
      case ExprKind::kEQ: return fmt::format("({} == {})", x, y);
      case ExprKind::kNE: return fmt::format("({} != {})", x, y);
      case ExprKind::kLT: return fmt::format("({} < {})", x, y);
      case ExprKind::kLE: return fmt::format("({} <= {})", x, y);
      case ExprKind::kGT: return fmt::format("({} > {})", x, y);
      case ExprKind::kGE: return fmt::format("({} >= {})", x, y);
      case ExprKind::kAnd: return fmt::format("({} && {})", x, y);
      case ExprKind::kOr: return fmt::format("({} || {})", x, y);
      default: unsupported(fmt::format("binary operator {}", expr_kind_name(b->kind)));
    }
  }

  std::string call(const CallNode* op, DataType t) {
    std::vector<std::string> args;
    if (op->op == "if_then_else")
      return fmt::format("({} ? {} : {})", expr(op->args[0]), expr(op->args[1]), expr(op->args[2]));
    for (const Expr& a : op->args) args.push_back(expr(a));
    if (op->op == "abs" && !t.is_floating())
      return fmt::format("(({0}) < 0 ? -({0}) : ({0}))", args[0]);
    if (!t.is_floating()) unsupported(fmt::format("intrinsic '{}' on {}", op->op, t.str()));
    const bool single = t.bits() == 32;
    static const std::unordered_map<std::string, std::string> kMath = {
        {"exp", "exp"},  {"log", "log"},     {"sqrt", "sqrt"}, {"tanh", "tanh"},
        {"erf", "erf"},  {"floor", "floor"}, {"ceil", "ceil"}, {"round", "nearbyint"},
        {"abs", "fabs"}, {"pow", "pow"},     {"fma", "fma"}};
    if (op->op == "sigmoid")
      return fmt::format("{}({})", single ? "tsr_sigmoidf" : "tsr_sigmoid", args[0]);
    auto it = kMath.find(op->op);
    if (it == kMath.end())
      unsupported(
          fmt::format("target intrinsic '{}' (the C backend maps only the built-in math)", op->op));
    return fmt::format("{}{}({})", it->second, single ? "f" : "", fmt::join(args, ", "));
  }

  void stmt(const Stmt& s) {
    switch (s.kind()) {
      case StmtKind::kBufferStore: {
        const auto* st = s.as<BufferStoreNode>();
        if (st->indices.size() != 1)
          unsupported(fmt::format("buffer '{}' is not flattened", st->buffer->name));
        out_ << line()
             << fmt::format("{}[{}] = {};\n", name_of(st->buffer), expr(st->indices[0]),
                            expr(st->value));
        return;
      }
      case StmtKind::kFor: {
        const auto* f = s.as<ForNode>();
        std::string v = name_of(f->loop_var), t = type(f->loop_var.dtype());
        std::string min = expr(f->min), extent = expr(f->extent);
        switch (f->for_kind) {
          case ForKind::kParallel: out_ << line() << "#pragma omp parallel for\n"; break;
          case ForKind::kVectorized: out_ << line() << "#pragma omp simd\n"; break;
          case ForKind::kUnrolled: out_ << line() << "#pragma GCC unroll 64\n"; break;
          case ForKind::kThreadBinding:
            unsupported(fmt::format("loop '{}' is bound to {} (a GPU schedule)", f->loop_var.name(),
                                    f->thread_tag));
          default: break;
        }
        std::string end = is_const_int(f->min, 0) ? extent : fmt::format("{} + {}", min, extent);
        out_ << line() << fmt::format("for ({0} {1} = {2}; {1} < {3}; ++{1}) {{\n", t, v, min, end);
        ++indent_;
        stmt(f->body);
        --indent_;
        out_ << line() << "}\n";
        return;
      }
      case StmtKind::kSeqStmt:
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) stmt(c);
        return;
      case StmtKind::kIfThenElse: {
        const auto* x = s.as<IfThenElseNode>();
        out_ << line() << fmt::format("if ({}) {{\n", expr(x->condition));
        ++indent_;
        stmt(x->then_case);
        --indent_;
        if (x->else_case.defined()) {
          out_ << line() << "} else {\n";
          ++indent_;
          stmt(x->else_case);
          --indent_;
        }
        out_ << line() << "}\n";
        return;
      }
      case StmtKind::kLetStmt: {
        const auto* x = s.as<LetStmtNode>();
        std::string value = expr(x->value);
        out_ << line() << "{\n";
        ++indent_;
        out_ << line()
             << fmt::format("const {} {} = {};\n", type(x->var.dtype()), name_of(x->var), value);
        stmt(x->body);
        --indent_;
        out_ << line() << "}\n";
        return;
      }
      case StmtKind::kEvaluate: {
        const auto* x = s.as<EvaluateNode>();
        if (!x->value.as<IntImmNode>())
          out_ << line() << fmt::format("(void)({});\n", expr(x->value));
        return;
      }
      case StmtKind::kAllocate: {
        const auto* a = s.as<AllocateNode>();
        const Buffer& b = a->buffer;
        auto size = b.ndim() == 1 ? as_const_int(b->shape[0]) : std::nullopt;
        if (!size)
          unsupported(fmt::format("allocation of '{}' is not a flattened constant size", b->name));
        std::string n = name_of(b), t = type(b->dtype);
        const int64_t bytes = *size * b->dtype.bytes();
        out_ << line() << "{\n";
        ++indent_;
        // Small buffers live on the stack (per thread inside parallel loops); large ones
        // on the heap, 64-byte aligned.
        const bool heap = bytes > 16384;
        if (heap) {
          out_ << line()
               << fmt::format("{0}* restrict {1} = ({0}*)aligned_alloc(64, {2});\n", t, n,
                              (bytes + 63) / 64 * 64);
        } else {
          out_ << line()
               << fmt::format("{} {}[{}] __attribute__((aligned(64)));\n", t, n,
                              std::max<int64_t>(*size, 1));
        }
        stmt(a->body);
        if (heap) out_ << line() << fmt::format("free({});\n", n);
        --indent_;
        out_ << line() << "}\n";
        return;
      }
      case StmtKind::kBlock:
      case StmtKind::kBlockRealize: unsupported("a block remains; lower the function first");
    }
  }

  const PrimFunc& func_;
  std::ostringstream out_;
  int indent_ = 0;
  std::unordered_map<const void*, std::string> names_;
  std::unordered_set<std::string> taken_;
};

}  // namespace

std::string emit_c(const std::vector<PrimFunc>& funcs) {
  std::string out = kPrelude;
  out += "\n";
  std::unordered_set<std::string> names;
  for (const PrimFunc& f : funcs) {
    if (!names.insert(f->name).second) fail("C backend: two functions are named '{}'", f->name);
    out += CEmitter(f).emit();
  }
  return out;
}

std::string emit_c_header(const std::vector<PrimFunc>& funcs, const std::string& comment) {
  std::string out = fmt::format(
      "/* Generated by tessera{}{}. */\n#pragma once\n/* Every array argument must be 64-byte "
      "aligned (aligned_alloc(64, bytes rounded up to 64)):\n   the kernels use aligned vector "
      "loads and stores. The typed entry points assume it; the\n   packed ones check it and return "
      "the argument's position + 1 instead of running. */\n#include <stdint.h>\n\n#ifdef "
      "__cplusplus\nextern \"C\" {{\n#define restrict __restrict__\n#endif\n\n",
      comment.empty() ? "" : ": ", comment);
  for (const PrimFunc& f : funcs) out += CEmitter(f).declarations() + "\n";
  out += "#ifdef __cplusplus\n#undef restrict\n}\n#endif\n";
  return out;
}

}  // namespace tessera
