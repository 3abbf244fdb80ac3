// Tests of the IR: constructors and their checks, copy-on-write mutation,
// structural equality/hash, and the text format (round trips, errors).
#include <gtest/gtest.h>

#include "../common/error_of.h"

#include <set>

#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"
#include "tessera/support/random.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

TEST(Constructors, CheckTypes) {
  Var i("i"), x("x", DataType::float32());
  EXPECT_EQ(make_binary(ExprKind::kAdd, i, make_int(1)).dtype(), DataType::int32());
  EXPECT_EQ(make_binary(ExprKind::kLT, x, make_float(1)).dtype(), DataType::boolean());
  EXPECT_EQ(error_of([&] { make_binary(ExprKind::kAdd, i, x); }),
            "Add: operand types differ (int32 vs float32)");
  EXPECT_EQ(error_of([&] { make_binary(ExprKind::kFloorMod, x, x); }),
            "FloorMod: operands must be integers, got float32");
  EXPECT_EQ(error_of([&] { make_int(300, DataType::int8()); }),
            "integer constant 300 does not fit in int8");
  EXPECT_EQ(error_of([&] { make_select(i, x, x); }), "Select: condition must be bool, got int32");
  EXPECT_EQ(error_of([&] { make_call(DataType::float32(), "expf", {x}); }).substr(0, 22),
            "unknown intrinsic 'exp");
  Buffer a = Buffer::make("A", DataType::float32(), {make_int(4), make_int(4)});
  EXPECT_EQ(error_of([&] { make_load(a, {i}); }),
            "load from buffer 'A' with 1 indices, but it has 2 dimensions");
  EXPECT_EQ(error_of([&] { make_store(a, i, {i, i}); }),
            "store to buffer 'A' of float32: value has type int32");
  Buffer a2 = Buffer::make("A", DataType::float32(), {make_int(4)});
  EXPECT_EQ(error_of([&] { PrimFunc::make("f", {a, a2}, make_evaluate(i)); }),
            "function 'f': two parameters are named 'A'");
  EXPECT_EQ(error_of([&] { PrimFunc::make("f", {a, a}, make_evaluate(i)); }),
            "function 'f': buffer 'A' is a parameter twice");
  EXPECT_EQ(error_of([&] {
              make_for(i, make_int(0, DataType::int64()), make_int(4), ForKind::kSerial,
                       make_evaluate(i));
            }),
            "loop 'i' of type int32: min has type int64, extent has type int32");
}

TEST(Constructors, OperatorsFoldTrivialConstants) {
  Var i("i");
  EXPECT_TRUE((i * 1).same_as(i));
  EXPECT_TRUE((i + 0).same_as(i));
  EXPECT_EQ(as_const_int(make_int(3) * 4), 12);
  EXPECT_EQ(print(i * 16 + 3), "i * 16 + 3");
  EXPECT_EQ(print(floordiv(i, make_int(1))), "i");
}

TEST(Constructors, SeqFlattens) {
  Stmt a = make_evaluate(make_int(1)), b = make_evaluate(make_int(2));
  Stmt s = make_seq({a, make_seq({b, a})});
  ASSERT_NE(s.as<SeqStmtNode>(), nullptr);
  EXPECT_EQ(s.as<SeqStmtNode>()->seq.size(), 3u);
  EXPECT_TRUE(make_seq({a}).same_as(a));
}

// ---------------------------------------------------------------------------
// Visitor / mutator
// ---------------------------------------------------------------------------

class IdentityMutator : public IRMutator {};

TEST(Mutator, UnchangedTreeIsReturnedAsIs) {
  for (const char* spec :
       {"gemm:m=8,n=8,k=8", "C2D:n=1,h=6,w=6,ci=2,co=2,kernel=3,stride=1,pad=1", "SFM:m=4,n=4"}) {
    PrimFunc f = workloads::get(spec).func;
    IdentityMutator m;
    EXPECT_TRUE(m.mutate_func(f).same_as(f)) << spec;
  }
}

class ScaleConstants : public IRMutator {
 protected:
  Expr mutate_float_imm(const Expr& e) override {
    return make_float(e.as<FloatImmNode>()->value + 1, e.dtype());
  }
};

TEST(Mutator, SharesUntouchedSubtrees) {
  PrimFunc f = workloads::get("gemm:m=8,n=8,k=8,epilogue=bias").func;
  ScaleConstants m;
  PrimFunc g = m.mutate_func(f);
  EXPECT_FALSE(g.same_as(f));
  EXPECT_FALSE(structural_equal(f, g));
  EXPECT_NE(print(g).find("C[vi, vj] = 1f32;"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Structural equality and hashing
// ---------------------------------------------------------------------------

TEST(StructuralEqual, InvariantUnderRenaming) {
  for (const WorkloadInfo* w : workloads::list()) {
    std::string spec = w->shapes.empty() ? w->name : w->name + ":1";
    PrimFunc a = workloads::get(spec).func;
    PrimFunc b = workloads::get(spec).func;  // fresh variables and buffers
    ASSERT_FALSE(a.same_as(b));
    EXPECT_TRUE(structural_equal(a, b)) << spec;
    EXPECT_EQ(structural_hash(a), structural_hash(b)) << spec;
  }
  // Renaming every variable in the text changes nothing either.
  std::string text = print(workloads::get("gemm:m=8,n=8,k=8").func);
  std::string renamed = text;
  for (auto [from, to] : {std::pair{"vi", "row"}, {"vj", "col"}, {"vk", "red"}}) {
    for (size_t p; (p = renamed.find(from)) != std::string::npos;) renamed.replace(p, 2, to);
  }
  ASSERT_NE(renamed, text);
  EXPECT_TRUE(structural_equal(parse_prim_func(text), parse_prim_func(renamed)));
  EXPECT_EQ(structural_hash(parse_prim_func(text)), structural_hash(parse_prim_func(renamed)));
}

// Each edit changes exactly one field of the gemm program's text.
TEST(StructuralEqual, SensitiveToEveryField) {
  const std::string base = print(workloads::get("gemm:m=8,n=8,k=8").func);
  const PrimFunc f = parse_prim_func(base);
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"C[vi, vj] = 0f32;", "C[vi, vj] = 1f32;"},                           // a constant
      {"for k in range(0, 8)", "for k in unrolled(0, 8)"},                  // a loop kind
      {"for j in range(0, 8)", "for j in range(0, 8) with {\"note\": 1}"},  // an annotation
      {"C: float32[8, 8]", "C: float32[8, 8] scope \"shared\""},            // a buffer scope
      {"block C(", "block D("},                                             // a block name
      {"vk: reduce(0, 8)", "vk: spatial(0, 8)"},                            // an iteration kind
      {"vk: reduce(0, 8) = k)", "vk: reduce(0, 8) = k) where i < 7"},       // a predicate
      {"writes(C[vi, vj]);", "writes(C[vj, vi]);"},            // a region (variables swapped)
      {"A: float32[8, 8]", "A: float32[8, 8] strides[8, 1]"},  // strides
      {"gemm(A", "gemm2(A"},                                   // the function name
      {"+ A[vi, vk] * B[vk, vj]", "+ B[vk, vj] * A[vi, vk]"},  // operand order
  };
  for (const auto& [from, to] : edits) {
    std::string text = base;
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    PrimFunc g = parse_prim_func(text);
    EXPECT_FALSE(structural_equal(f, g)) << to;
    EXPECT_NE(structural_hash(f), structural_hash(g)) << to;
  }
}

TEST(StructuralEqual, VariablesMustCorrespondOneToOne) {
  Var x("x"), y("y");
  EXPECT_TRUE(structural_equal(x + y, y + x));   // free variables are matched in order
  EXPECT_FALSE(structural_equal(x + x, x + y));  // but one-to-one
  EXPECT_FALSE(structural_equal(x + y, x + x));
  EXPECT_TRUE(structural_equal(make_float(-0.0), make_float(-0.0)));
  EXPECT_FALSE(structural_equal(make_float(0.0), make_float(-0.0)));
  EXPECT_FALSE(structural_equal(make_int(1), make_int(1, DataType::int64())));
}

// ---------------------------------------------------------------------------
// Text format
// ---------------------------------------------------------------------------

void expect_round_trip(const PrimFunc& f, const std::string& what) {
  std::string text = print(f);
  PrimFunc g;
  try {
    g = parse_prim_func(text, what);
  } catch (const Error& e) {
    FAIL() << what << ": " << e.what() << "\n" << text;
  }
  EXPECT_TRUE(structural_equal(f, g)) << what << "\n" << text;
  EXPECT_EQ(structural_hash(f), structural_hash(g)) << what;
  EXPECT_EQ(print(g), text) << what;
}

TEST(TextFormat, RoundTripsEveryWorkload) {
  int checked = 0;
  for (const WorkloadInfo* w : workloads::list()) {
    std::vector<std::string> specs;
    for (size_t i = 0; i < w->shapes.size(); ++i)
      specs.push_back(w->name + ":" + std::to_string(i));
    if (specs.empty()) specs.push_back(w->name);
    for (const std::string& spec : specs) {
      expect_round_trip(workloads::get(spec).func, spec);
      ++checked;
    }
  }
  for (const char* spec :
       {"gemm:dtype=int8,epilogue=bias_relu", "gemm:dtype=float16,epilogue=bias",
        "gemm:dtype=bfloat16", "C2D:1,dtype=int8", "pool:kind=avg", "GMM:0,dtype=float16"}) {
    expect_round_trip(workloads::get(spec).func, spec);
    ++checked;
  }
  EXPECT_GT(checked, 60);
}

// Hand-written IR using every expression and statement kind, every loop kind,
// every literal type and every optional block part.
const char* kEveryNodeKind = R"(# every node kind
func "every kind"(A: float32[16, 16], B: float16[16] strides[1] offset 0i32, Q: int8[4, 4] scope "global",
                  "for": bfloat16[2], out: float64[16]) with {"global_symbol": "every", "ratio": 0.5, "n": -3} {
  block root() {
    reads();
    writes();
    alloc T: float32[16] scope "local";
    for i in parallel(0, 16) with {"pragma_auto_unroll_max_step": 16, "tessera.note": "x\ty\"z\\"} {
      for j in vectorized(0, 4) {
        T[i] = A[i, j * 4] + A[i, j] - A[j, i] * A[i, i] / A[0, 0];
      }
      for t in thread_binding(0, 2, "threadIdx.x") {
        for u in unrolled(0i64, 2i64) {
          evaluate cast(int64, t) + u;
        }
      }
    }
    for b in range(0, 4) {
      block C(vb: spatial(0, 4) = b, vr: reduce(0, 4) = 3 - b) where b < 3 || !(b == 2) && b != 1 with {"tessera.tiling_structure": "SSRSRS"} {
        reads(Q[vb, 0:+4], A[vb * 4:+4, 0:+(2 + 2)]);
        writes(out[vb]);
        alloc S: int32[4] scope "local";
        match V: int8[4] = Q[vb, 0:+4];
        init {
          out[vb] = 0f64;
        }
        S[vr] = cast(int32, V[vr]) % 3 + floordiv(vr, 2) * floormod(-7, 3) - min(vr, 1) + max(vr, -2147483648);
        out[vb] = out[vb] + cast(float64, select(vb >= vr, S[vr], 5)) + float64(-inf) * 0f64 + 1.5e+300f64;
      }
    }
    let z = 3 {
      if z > 2 && true {
        out[0] = exp(cast(float64, z)) + fma(1f64, 2f64, -0f64) + (let w = 2f64 in w * w);
      } else {
        out[1] = if_then_else(false, out[1], float64(nan));
      }
      if z <= 2 {
        allocate W: float32[8] offset 1 scope "shared" {
          W[ramp(0, 1, 4)] = broadcast(sqrt(A[0, 0]), 4) + call<float32x4>("llvm.x86.avx512.test", ramp(z, 2, 4), broadcast(1.5f32, 4));
        }
      }
    }
    "for"[0] = 1.25bf16 + cast(bfloat16, B[1] * 2f16);
    Q[0, 0] = cast(int8, 200u8) + 7i8 * cast(int8, cast(uint8, 1i16) + cast(uint8, 2u64 - 1u64));
  }
}
)";

class KindCounter : public IRVisitor {
 public:
  std::set<ExprKind> exprs;
  std::set<StmtKind> stmts;
  std::set<ForKind> loops;
  void visit_expr(const Expr& e) override {
    exprs.insert(e.kind());
    IRVisitor::visit_expr(e);
  }
  void visit_stmt(const Stmt& s) override {
    stmts.insert(s.kind());
    if (const auto* f = s.as<ForNode>()) loops.insert(f->for_kind);
    IRVisitor::visit_stmt(s);
  }
};

TEST(TextFormat, RoundTripsEveryNodeKind) {
  PrimFunc f = parse_prim_func(kEveryNodeKind, "every.tir");
  expect_round_trip(f, "every node kind");
  KindCounter kinds;
  kinds.visit_func(f);
  for (int k = 0; k <= static_cast<int>(ExprKind::kLet); ++k) {
    EXPECT_TRUE(kinds.exprs.count(static_cast<ExprKind>(k)))
        << "no " << expr_kind_name(static_cast<ExprKind>(k)) << " in the test IR";
  }
  for (int k = 0; k <= static_cast<int>(StmtKind::kAllocate); ++k) {
    EXPECT_TRUE(kinds.stmts.count(static_cast<StmtKind>(k)))
        << "no " << stmt_kind_name(static_cast<StmtKind>(k)) << " in the test IR";
  }
  EXPECT_EQ(kinds.loops.size(), 5u);
  EXPECT_EQ(f->name, "every kind");
  EXPECT_EQ(std::get<double>(f->attrs.at("ratio")), 0.5);
  EXPECT_EQ(std::get<int64_t>(f->attrs.at("n")), -3);
}

TEST(TextFormat, PrintsBareBlocksAndDisambiguatesNames) {
  Var a("i"), b("i");  // two variables with one name
  Buffer buf = Buffer::make("A", DataType::float32(), {make_int(4)});
  Stmt inner = make_store(buf, make_float(1), {a + b});
  Stmt s = make_for(a, make_int(0), make_int(2), ForKind::kSerial,
                    make_for(b, make_int(0), make_int(2), ForKind::kSerial, inner));
  std::string text = print(s);
  EXPECT_NE(text.find("for i in range(0, 2)"), std::string::npos);
  EXPECT_NE(text.find("for i_1 in range(0, 2)"), std::string::npos);
  EXPECT_NE(text.find("A[i + i_1] = 1f32;"), std::string::npos);
  Stmt back = parse_stmt(text, {}, {{"A", buf}});
  EXPECT_TRUE(structural_equal(s, back));

  BlockFields f;
  f.name = "B";
  Var v("v");
  f.iter_vars = {IterVar{v, Range{make_int(0), make_int(4)}, IterKind::kSpatial}};
  f.writes = {BufferRegion{buf, {Range{v, make_int(1)}}}};
  f.body = make_store(buf, make_float(2), {v});
  Stmt block = make_block(std::move(f));
  std::string block_text = print(block);
  EXPECT_EQ(block_text.substr(0, 30), "bare block B(v: spatial(0, 4))");
  EXPECT_TRUE(structural_equal(block, parse_stmt(block_text, {}, {{"A", buf}})));
}

// Random expressions over a few variables and a buffer: print, parse, compare.
class RandomExpressions {
 public:
  explicit RandomExpressions(uint64_t seed) : rng_(seed) {}
  std::map<std::string, Var> vars{{"i", Var("i")},
                                  {"j", Var("j")},
                                  {"n", Var("n", DataType::int64())},
                                  {"x", Var("x", DataType::float32())},
                                  {"y", Var("y", DataType::float32())}};
  Buffer buffer = Buffer::make("M", DataType::float32(), {make_int(8), make_int(8)});

  Expr of_type(DataType t, int depth) {
    if (t.is_bool()) return boolean(depth);
    if (depth <= 0 || rng_.uniform_int(0, 4) == 0) return leaf(t);
    switch (rng_.uniform_int(0, 9)) {
      case 0: return make_binary(ExprKind::kAdd, of_type(t, depth - 1), of_type(t, depth - 1));
      case 1: return make_binary(ExprKind::kSub, of_type(t, depth - 1), of_type(t, depth - 1));
      case 2: return make_binary(ExprKind::kMul, of_type(t, depth - 1), of_type(t, depth - 1));
      case 3:
        return make_binary(t.is_floating() ? ExprKind::kDiv : ExprKind::kFloorDiv,
                           of_type(t, depth - 1), of_type(t, depth - 1));
      case 4:
        return make_binary(t.is_floating() ? ExprKind::kMin : ExprKind::kFloorMod,
                           of_type(t, depth - 1), of_type(t, depth - 1));
      case 5:
        return make_binary(rng_.uniform_int(0, 2)
                               ? ExprKind::kMax
                               : (t.is_floating() ? ExprKind::kMin : ExprKind::kMod),
                           of_type(t, depth - 1), of_type(t, depth - 1));
      case 6: return make_select(boolean(depth - 1), of_type(t, depth - 1), of_type(t, depth - 1));
      case 7: {
        DataType other = t.is_floating() ? DataType::int32() : DataType::float32();
        return make_cast(t, of_type(other, depth - 1));
      }
      default:
        if (t.is_floating())
          return make_load(buffer, {of_type(DataType::int32(), depth - 1),
                                    of_type(DataType::int32(), depth - 1)});
        return make_binary(ExprKind::kDiv, of_type(t, depth - 1), of_type(t, depth - 1));
    }
  }

 private:
  Expr leaf(DataType t) {
    if (t.is_floating()) {
      if (rng_.uniform_int(0, 2)) return rng_.uniform_int(0, 2) ? vars["x"] : vars["y"];
      return make_float(static_cast<double>(rng_.uniform_int(-1000, 1000)) / 8.0, t);
    }
    if (t == DataType::int64())
      return rng_.uniform_int(0, 2) ? Expr(vars["n"]) : make_int(rng_.uniform_int(-5, 5), t);
    if (rng_.uniform_int(0, 2)) return rng_.uniform_int(0, 2) ? vars["i"] : vars["j"];
    return make_int(rng_.uniform_int(-100, 100), t);
  }

  Expr boolean(int depth) {
    if (depth <= 0) return make_bool(rng_.uniform_int(0, 2) == 1);
    static constexpr ExprKind kCompare[] = {ExprKind::kEQ, ExprKind::kNE, ExprKind::kLT,
                                            ExprKind::kLE, ExprKind::kGT, ExprKind::kGE};
    switch (rng_.uniform_int(0, 4)) {
      case 0: return make_binary(ExprKind::kAnd, boolean(depth - 1), boolean(depth - 1));
      case 1: return make_binary(ExprKind::kOr, boolean(depth - 1), boolean(depth - 1));
      case 2: return make_not(boolean(depth - 1));
      default: {
        DataType t = rng_.uniform_int(0, 2) ? DataType::int32() : DataType::float32();
        return make_binary(kCompare[rng_.uniform_int(0, 6)], of_type(t, depth - 1),
                           of_type(t, depth - 1));
      }
    }
  }

  Random rng_;
};

TEST(TextFormat, RandomExpressionsRoundTrip) {
  RandomExpressions gen(2026);
  const DataType types[] = {DataType::int32(), DataType::int64(), DataType::float32(),
                            DataType::boolean()};
  for (int n = 0; n < 3000; ++n) {
    Expr e = gen.of_type(types[n % 4], 1 + n % 6);
    std::string text = print(e);
    Expr back;
    try {
      back = parse_expr(text, gen.vars, {{"M", gen.buffer}});
    } catch (const Error& err) {
      FAIL() << text << "\n" << err.what();
    }
    ASSERT_TRUE(structural_equal(e, back)) << text << "\nreparsed: " << print(back);
    ASSERT_EQ(print(back), text);
  }
}

struct BadInput {
  const char* text;
  const char* message;  // expected substring, including the position
};

TEST(TextFormat, BadInputGivesLocatedErrors) {
  const std::string good = print(workloads::get("gemm:m=4,n=4,k=4").func);
  const BadInput cases[] = {
      {"", "<t>:1:1: expected 'func' but found end of input"},
      {"func f(A: float32[4]) {\n  block root() {\n    reads();\n",
       "<t>:4:1: block 'root': expected writes(...) listing its buffer regions but found end of "
       "input"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[0] = 1i64; } }",
       "<t>:1:59: store to buffer 'A' of float32: value has type int64"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[k] = 1f32; } }",
       "<t>:1:61: undefined variable 'k'"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); Z[0] = 1f32; } }",
       "<t>:1:59: undefined buffer 'Z'"},
      {"func f(A: float32[4, 4]) { block root() { reads(A[0]); writes(); } }",
       "<t>:1:49: region of buffer 'A' has 1 dimensions, the buffer has 2"},
      {"func f(A: float32[4]) { block root() { writes(); } }",
       "block 'root': expected reads(...) listing its buffer regions but found 'writes'"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[0] = 1f32 + 1i32; } }",
       "<t>:1:71: Add: operand types differ (float32 vs int32)"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[0] = \"x; } }",
       "unterminated string"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[0] = 1f32 $ 2; } }",
       "<t>:1:71: unexpected character '$'"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); A[0] = 1q8; } }",
       "unknown literal suffix 'q8'"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); evaluate 1 < 2 < 3; } }",
       "comparisons do not chain"},
      {"func f(A: float32[4]) with {\"k\": 1, \"k\": 2} { }", "duplicate annotation key \"k\""},
      {"func f(A: float32[4]) { for i in sometimes(0, 4) { } }",
       "expected a loop kind (range, parallel, vectorized, unrolled, thread_binding) but found "
       "'sometimes'"},
      {"func f(A: float33[4]) { }",
       "expected the buffer's element type (a type such as float32 or int8) but found 'float33'"},
      {"func f(A: float32[4]) { evaluate 99999999999; }",
       "integer constant 99999999999 does not fit in int32"},
      {"func f(A: float32[4]) { block root() { reads(); writes(); for i in range(0, 4) { block "
       "B(v: spatial(0, 0) = i) { reads(); writes(); evaluate v; } } } }",
       "iteration variable 'v' has an empty domain (extent 0)"},
      {"func f(A: float32[4], A: float32[4]) { evaluate 0; }",
       "<t>:1:23: buffer 'A' is already declared (line 1)"},
      // Found by the fuzzer: a repeated allocation name would not print back verbatim.
      {"func f(A: float32[4]) {\n block root() { reads(); writes(); alloc T: float32[2];\n alloc "
       "T: float32[2]; } }",
       "<t>:3:8: buffer 'T' is already declared (line 2); buffer names are unique within a "
       "function"},
      {"func f(A: float32[4]) {\n block root() { reads(); writes(); allocate A: float32[2] { } } }",
       "<t>:2:45: buffer 'A' is already declared (line 1)"},
  };
  for (const BadInput& c : cases) {
    std::string message = error_of([&] { parse_prim_func(c.text, "<t>"); });
    EXPECT_NE(message.find(c.message), std::string::npos)
        << "input: " << c.text << "\nmessage: " << message;
    EXPECT_NE(message.find('^'), std::string::npos) << "no caret in: " << message;
  }
  // Every truncation of a valid program is an error, never a crash.
  for (size_t n = 0; n < good.rfind('}'); n += 7) {
    EXPECT_THROW(parse_prim_func(good.substr(0, n)), Error) << n;
  }
}

TEST(TextFormat, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "func f(A: float32[4]) { evaluate " + std::string(100000, '(') + "1" +
                     std::string(100000, ')') + "; }";
  EXPECT_NE(error_of([&] { parse_prim_func(deep); }).find("nesting deeper than 256 levels"),
            std::string::npos);
  std::string negations =
      "func f(A: float32[4]) { evaluate " + std::string(100000, '!') + "true; }";
  EXPECT_NE(error_of([&] { parse_prim_func(negations); }).find("nesting deeper than 256 levels"),
            std::string::npos);
  std::string loops;
  for (int i = 0; i < 5000; ++i) loops += "for i in range(0, 1) { ";
  EXPECT_NE(error_of([&] {
              parse_prim_func("func f(A: float32[4]) { " + loops);
            }).find("nesting deeper than 256 levels"),
            std::string::npos);
}

TEST(TextFormat, CaretPointsAtTheProblem) {
  std::string message = error_of(
      [] { parse_prim_func("func f(A: float32[4]) {\n  evaluate A[0 +];\n}\n", "x.tir"); });
  EXPECT_EQ(message,
            "x.tir:2:17: expected an expression but found ']'\n    evaluate A[0 +];\n              "
            "    ^");
}

}  // namespace
}  // namespace tessera
