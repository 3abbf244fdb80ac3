// Table-driven tests of the simplifier, bounds and can_prove, plus randomized
// agreement checks against brute-force evaluation on every point of small domains.
#include <gtest/gtest.h>

#include "../common/int_eval.h"

#include <map>

#include "tessera/arith/analyzer.h"
#include "tessera/arith/evaluate.h"
#include "tessera/ir/deep_equal.h"
#include "tessera/ir/op.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/support/random.h"

namespace tessera {
namespace {

// Variables i in [0,4), j in [0,16), k in [0,8), f in [0,64), n in [-8, 8), u unbounded.
struct Env {
  std::map<std::string, Var> vars{{"i", Var("i")}, {"j", Var("j")}, {"k", Var("k")},
                                  {"f", Var("f")}, {"n", Var("n")}, {"u", Var("u")}};
  Analyzer az;
  Env() {
    az.bind(vars["i"], 0, 4);
    az.bind(vars["j"], 0, 16);
    az.bind(vars["k"], 0, 8);
    az.bind(vars["f"], 0, 64);
    az.bind(vars["n"], -8, 16);
  }
  Expr parse(const std::string& text) { return parse_expr(text, vars); }
  std::string simplify(const std::string& text) { return print(az.simplify(parse(text))); }
};

TEST(EvaluateIndex, IntegerAndBooleanExpressionsAtAPoint) {
  Env env;
  std::map<const VarNode*, int64_t> point{{env.vars["i"].get(), 3}, {env.vars["j"].get(), -7}};
  auto at = [&](const std::string& text) {
    return evaluate_index(env.parse(text), [&](const VarNode* v) -> std::optional<int64_t> {
      auto it = point.find(v);
      if (it == point.end()) return std::nullopt;
      return it->second;
    });
  };
  EXPECT_EQ(at("i * 4 + j"), 5);
  EXPECT_EQ(at("floordiv(j, 2)"), -4);
  EXPECT_EQ(at("floormod(j, 2)"), 1);
  EXPECT_EQ(at("j / 2"), -3);  // truncating
  EXPECT_EQ(at("j % 2"), -1);
  EXPECT_EQ(at("min(i, j) + max(i, j)"), -4);
  EXPECT_EQ(at("i < 4 && !(j >= 0) || false"), 1);
  EXPECT_EQ(at("select(i == 3, 10, j)"), 10);
  EXPECT_EQ(at("i / (j + 7)"), std::nullopt);  // division by zero
  EXPECT_EQ(at("i + k"), std::nullopt);        // k has no value
}

TEST(Simplify, RewriteRules) {
  Env env;
  const std::vector<std::pair<std::string, std::string>> cases = {
      // constant folding and canonical sums
      {"1 + 2 * 3", "7"},
      {"i + j - i", "j"},
      {"i * 2 + i * 3", "i * 5"},
      {"(i + 1) * 4 - 4", "i * 4"},
      {"j - (j + 3)", "-3"},
      {"i - j", "i - j"},
      {"0 - i", "i * -1"},
      {"u * 0 + 5", "5"},
      // floordiv / floormod by constants, with ranges
      {"floordiv(i * 16 + j, 16)", "i"},
      {"floormod(i * 16 + j, 16)", "j"},
      {"floordiv(j, 16)", "0"},
      {"floormod(j, 16)", "j"},
      {"floordiv(i * 16 + j + 16, 16)", "i + 1"},
      {"floordiv(i * 64 + j * 4 + 2, 4)", "i * 16 + j"},
      {"floormod(i * 64 + j * 4 + 2, 4)", "2"},
      {"floordiv(f, 8) * 8 + floormod(f, 8)", "f"},
      {"floormod(f, 8) + floordiv(f, 8) * 8", "f"},
      {"floordiv(floordiv(f, 4), 2)", "floordiv(f, 8)"},
      {"floormod(floormod(f, 16), 4)", "floormod(f, 4)"},
      {"floormod(f * 32 + j, 16)", "j"},
      {"floormod(f * 20 + j, 16)",
       "floormod(f * 20 + j, 16)"},  // coefficients are kept (see modulo())
      {"floordiv(u, 1)", "u"},
      {"floormod(u, 1)", "0"},
      {"floordiv(n, 16)", "floordiv(n, 16)"},  // n spans two periods
      {"floordiv(n + 8, 16)", "0"},
      {"floordiv(-7, 2)", "-4"},
      {"floormod(-7, 2)", "1"},
      // truncating division agrees with floor division on non-negative values
      {"(i * 16 + j) / 16", "i"},
      {"(i * 16 + j) % 16", "j"},
      {"n / 2", "n / 2"},
      {"-7 / 2", "-3"},
      {"-7 % 2", "-1"},
      // min / max / select with ranges
      {"min(j, 16)", "j"},
      {"max(j, 16)", "16"},
      {"min(i, i + 1)", "i"},
      {"max(j - 20, 0)", "0"},
      {"min(i, k)", "min(i, k)"},
      {"select(j < 16, i, k)", "i"},
      {"select(u < 3, i, k)", "select(u < 3, i, k)"},
      // comparisons and logic
      {"cast(int32, j < 16)", "1"},
      {"cast(int32, i * 16 + j < 64)", "1"},
      {"cast(int32, i * 16 + j < 63)", "cast(int32, i * 16 + j < 63)"},
      {"cast(int32, j >= 0 && i < 4)", "1"},
      {"cast(int32, j > 15 || u == u)", "1"},
      {"cast(int32, !(j < 3))", "cast(int32, j >= 3)"},
      {"cast(int32, i == i + 0)", "1"},
      {"cast(int32, i != i)", "0"},
      {"cast(int32, j == 20)", "0"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(env.simplify(in), out) << "simplify(" << in << ")";
}

TEST(Simplify, IsIdempotent) {
  Env env;
  for (const char* text :
       {"floordiv(i * 16 + j + 3, 16)", "floormod(u * 3 + 7, 5) + u", "min(i, k) + max(u, 2) * 3",
        "floordiv(n, 16) - n", "select(u < 3, i, k) * 2 - 1"}) {
    Expr once = env.az.simplify(env.parse(text));
    Expr twice = env.az.simplify(once);
    EXPECT_EQ(print(once), print(twice)) << text;
  }
}

TEST(Bounds, Intervals) {
  Env env;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"i * 16 + j", "[0, 63]"},
      {"i - j", "[-15, 3]"},
      {"floordiv(f, 8)", "[0, 7]"},
      {"floormod(n, 5)", "[0, 4]"},
      {"floormod(j, 32)", "[0, 15]"},
      {"n * n", "[-56, 64]"},
      {"i * j - i * j", "[0, 0]"},
      {"min(i, k) * 2", "[0, 6]"},
      {"n / 3", "[-2, 2]"},
      {"n % 3", "[-2, 2]"},
      {"u", "[-2147483648, 2147483647]"},
      {"cast(int8, j)", "[0, 15]"},
  };
  for (const auto& [in, out] : cases)
    EXPECT_EQ(env.az.const_int_bound(env.parse(in)).str(), out) << in;
}

TEST(CanProve, DecidesWhatIntervalsDecide) {
  Env env;
  EXPECT_TRUE(env.az.can_prove(env.parse("i * 16 + j < 64")));
  EXPECT_TRUE(env.az.can_prove(env.parse("floordiv(i * 16 + j, 16) == i")));
  EXPECT_TRUE(env.az.can_prove(env.parse("floordiv(f, 4) * 4 + floormod(f, 4) == f")));
  EXPECT_TRUE(env.az.can_prove(env.parse("0 <= j && j < 16")));
  EXPECT_FALSE(env.az.can_prove(env.parse("i * 16 + j < 63")));  // false at i=3, j=15
  EXPECT_TRUE(
      env.az.can_prove(env.parse("u < u + 1")));  // index arithmetic is assumed not to overflow
  EXPECT_FALSE(
      env.az.can_prove(env.parse("n * n >= 0")));  // true, beyond interval analysis: unknown
  EXPECT_TRUE(env.az.can_prove_equal(env.parse("(i + j) * 2"), env.parse("j * 2 + i * 2")));
}

TEST(CanProve, UsesAssumptions) {
  Env env;
  EXPECT_FALSE(env.az.can_prove(env.parse("u * 2 < 20")));
  env.az.assume(env.parse("u < 10 && 0 <= u"));
  EXPECT_TRUE(env.az.can_prove(env.parse("u * 2 < 20")));
  EXPECT_EQ(env.az.const_int_bound(env.parse("u")).str(), "[0, 9]");
  env.az.assume(env.parse("u * u < 3"));  // not of the understood form: ignored
  EXPECT_EQ(env.az.const_int_bound(env.parse("u")).str(), "[0, 9]");
  env.az.assume(env.parse("u == 4"));
  EXPECT_EQ(env.simplify("u + 1"), "5");
}

// ---------------------------------------------------------------------------
// Randomized agreement with brute force
// ---------------------------------------------------------------------------

class RandomIndexExprs {
 public:
  RandomIndexExprs(uint64_t seed, std::vector<Var> vars) : rng_(seed), vars_(std::move(vars)) {}

  Expr index(int depth) {
    if (depth <= 0 || rng_.uniform_int(0, 5) == 0) {
      if (rng_.uniform_int(0, 3) == 0) return make_int(rng_.uniform_int(-9, 10));
      return vars_[static_cast<size_t>(rng_.uniform_int(0, static_cast<int64_t>(vars_.size())))];
    }
    Expr a = index(depth - 1);
    switch (rng_.uniform_int(0, 11)) {
      case 0:
      case 1: return make_binary(ExprKind::kAdd, a, index(depth - 1));
      case 2: return make_binary(ExprKind::kSub, a, index(depth - 1));
      case 3:
      case 4: return make_binary(ExprKind::kMul, a, make_int(rng_.uniform_int(-4, 17)));
      case 5: return make_binary(ExprKind::kFloorDiv, a, make_int(rng_.uniform_int(1, 17)));
      case 6: return make_binary(ExprKind::kFloorMod, a, make_int(rng_.uniform_int(1, 17)));
      case 7:
        return make_binary(rng_.uniform_int(0, 2) ? ExprKind::kDiv : ExprKind::kMod, a,
                           make_int(rng_.uniform_int(1, 9)));
      case 8:
        return make_binary(rng_.uniform_int(0, 2) ? ExprKind::kMin : ExprKind::kMax, a,
                           index(depth - 1));
      case 9: return make_select(condition(depth - 1), a, index(depth - 1));
      default: return make_binary(ExprKind::kMul, a, index(depth - 1));
    }
  }

  Expr condition(int depth) {
    static constexpr ExprKind kOps[] = {ExprKind::kEQ, ExprKind::kNE, ExprKind::kLT,
                                        ExprKind::kLE, ExprKind::kGT, ExprKind::kGE};
    Expr c = make_binary(kOps[rng_.uniform_int(0, 6)], index(depth), index(depth));
    switch (rng_.uniform_int(0, 5)) {
      case 0: return make_binary(ExprKind::kAnd, c, condition(depth - 1 < 0 ? 0 : depth - 1));
      case 1: return make_binary(ExprKind::kOr, c, condition(depth - 1 < 0 ? 0 : depth - 1));
      case 2: return make_not(c);
      default: return c;
    }
  }

  Random& rng() { return rng_; }

 private:
  Random rng_;
  std::vector<Var> vars_;
};

struct Domain {
  std::vector<Var> vars;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // [min, max]
  std::vector<Point> points() const {
    std::vector<Point> out(1);
    for (size_t v = 0; v < vars.size(); ++v) {
      std::vector<Point> next;
      for (const Point& p : out) {
        for (int64_t x = ranges[v].first; x <= ranges[v].second; ++x) {
          Point q = p;
          q.values[vars[v].get()] = x;
          next.push_back(q);
        }
      }
      out = std::move(next);
    }
    return out;
  }
};

TEST(Randomized, SimplifyBoundsAndProofsAgreeWithBruteForce) {
  int simplified = 0, proved = 0, cases = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    Random dom_rng(seed);
    Domain d;
    for (const char* name : {"a", "b", "c"}) {
      d.vars.push_back(Var(name));
      int64_t lo = dom_rng.uniform_int(-6, 4);
      d.ranges.push_back({lo, lo + dom_rng.uniform_int(0, 9)});
    }
    Analyzer az;
    for (size_t v = 0; v < d.vars.size(); ++v)
      az.bind(d.vars[v], d.ranges[v].first, d.ranges[v].second - d.ranges[v].first + 1);
    std::vector<Point> points = d.points();
    RandomIndexExprs gen(1000 + seed, d.vars);
    for (int n = 0; n < 100; ++n, ++cases) {
      Expr e = gen.index(1 + n % 5);
      Expr s = az.simplify(e);
      if (print(e) != print(s)) ++simplified;
      ConstIntBound b = az.const_int_bound(e);
      for (const Point& p : points) {
        auto x = evaluate(e, p);
        if (!x) continue;  // undefined at this point (never for constant divisors >= 1)
        auto y = evaluate(s, p);
        ASSERT_TRUE(y.has_value()) << print(e) << " -> " << print(s);
        ASSERT_EQ(*x, *y) << print(e) << "\n  simplified to " << print(s);
        ASSERT_TRUE(b.contains(*x)) << print(e) << " = " << *x << " outside " << b.str();
      }
      Expr c = gen.condition(1 + n % 3);
      bool holds = true;
      for (const Point& p : points) holds = holds && evaluate(c, p).value_or(1) != 0;
      if (az.can_prove(c)) {
        ++proved;
        ASSERT_TRUE(holds) << "claimed to prove the false condition " << print(c);
      }
      Expr sc = az.simplify(c);
      for (const Point& p : points)
        ASSERT_EQ(evaluate(c, p), evaluate(sc, p)) << print(c) << " -> " << print(sc);
    }
  }
  EXPECT_EQ(cases, 4000);
  EXPECT_GT(simplified, 1000);  // the generator gives the simplifier real work
  EXPECT_GT(proved, 50);
}

}  // namespace
// Regression: max/min of two unsigned 8-bit values was decided from their difference clamped
// to uint8's range ([0, 255]: "a - b >= 0"), so max(a, b) became a and ONNX's Max of
// uint8 tensors returned its first input.
TEST(Simplify, MinMaxOfNarrowUnsignedValuesStay) {
  Analyzer az;
  Var a("a", DataType::uint8()), b("b", DataType::uint8());
  EXPECT_EQ(print(az.simplify(max(Expr(a), Expr(b)))), "max(a, b)");
  EXPECT_EQ(print(az.simplify(min(Expr(a), Expr(b)))), "min(a, b)");
  Var c("c", DataType::int8()), d("d", DataType::int8());
  EXPECT_EQ(print(az.simplify(max(Expr(c), Expr(d)))), "max(c, d)");
}

}  // namespace tessera
