// Tests of integer sets, region inference and affine iteration-map detection.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "../common/int_eval.h"

#include "tessera/arith/int_set.h"
#include "tessera/arith/iter_map.h"
#include "tessera/arith/region.h"
#include "tessera/ir/op.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/substitute.h"
#include "tessera/support/random.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

struct Vars {
  std::map<std::string, Var> v{{"i", Var("i")}, {"j", Var("j")},   {"k", Var("k")},
                               {"f", Var("f")}, {"i0", Var("i0")}, {"i1", Var("i1")},
                               {"x", Var("x")}};
  Expr parse(const std::string& text) { return parse_expr(text, v); }
};

TEST(IntSet, EvalSetRelaxesChosenVariables) {
  Vars vs;
  Analyzer az;
  az.bind(vs.v["i"], 0, 4);
  az.bind(vs.v["j"], 0, 16);
  az.bind(vs.v["f"], 0, 64);
  RelaxMap relax_j{{vs.v["j"].get(), IntSet::interval(make_int(0), make_int(15))}};
  EXPECT_EQ(eval_set(vs.parse("i * 16 + j"), relax_j, az).str(), "[i * 16, i * 16 + 15]");
  EXPECT_EQ(eval_set(vs.parse("floordiv(i * 16 + j, 4)"), relax_j, az).str(), "[i * 4, i * 4 + 3]");
  EXPECT_EQ(eval_set(vs.parse("i * 2 - j"), relax_j, az).str(), "[i * 2 - 15, i * 2]");
  EXPECT_EQ(eval_set(vs.parse("min(j, 7) + i"), relax_j, az).str(), "[i, i + 7]");
  EXPECT_EQ(eval_set(vs.parse("i + 3"), relax_j, az).str(), "[i + 3, i + 3]");
  RelaxMap relax_f{{vs.v["f"].get(), IntSet::interval(make_int(0), make_int(63))}};
  EXPECT_EQ(eval_set(vs.parse("floormod(f, 8)"), relax_f, az).str(), "[0, 7]");
  EXPECT_EQ(eval_set(vs.parse("f * j"), relax_f, az).str(),
            "[0, 945]");  // non-linear: constant bounds
  RelaxMap unbounded{{vs.v["j"].get(), IntSet::interval(make_int(0), Expr())}};
  EXPECT_EQ(eval_set(vs.parse("i - j"), unbounded, az).str(), "[-inf, i]");
}

TEST(IntSet, UnionIntersectCover) {
  Vars vs;
  Analyzer az;
  az.bind(vs.v["i"], 0, 4);
  Expr i = vs.v["i"];
  IntSet a = IntSet::interval(i, i + 3), b = IntSet::interval(i + 2, i + 8);
  EXPECT_EQ(union_set(a, b, az).str(), "[i, i + 8]");
  EXPECT_EQ(intersect_set(a, b, az).str(), "[i + 2, i + 3]");
  EXPECT_TRUE(set_covers(union_set(a, b, az), b, az));
  EXPECT_FALSE(set_covers(a, b, az));
  EXPECT_TRUE(set_covers(IntSet::everything(), b, az));
  EXPECT_FALSE(set_covers(a, IntSet::everything(), az));
  EXPECT_TRUE(region_covers({IntSet::interval(make_int(0), make_int(15))},
                            {IntSet::interval(i * 4, i * 4 + 3)}, az));
  EXPECT_FALSE(region_covers({IntSet::interval(make_int(0), make_int(11))},
                             {IntSet::interval(i * 4, i * 4 + 3)}, az));
}

// The loops of a workload's block, outermost first.
std::vector<const ForNode*> loops_of(const PrimFunc& f, const std::string& block) {
  std::vector<const ForNode*> path, found;
  std::function<void(const Stmt&)> walk = [&](const Stmt& s) {
    if (const auto* loop = s.as<ForNode>()) {
      path.push_back(loop);
      walk(loop->body);
      path.pop_back();
    } else if (const auto* seq = s.as<SeqStmtNode>()) {
      for (const Stmt& c : seq->seq) walk(c);
    } else if (const auto* r = s.as<BlockRealizeNode>()) {
      if (r->block_node()->name == block) found = path;
      walk(r->block_node()->body);
    }
  };
  walk(f->body);
  return found;
}

TEST(Region, ConsumerNeedsOfAProducerUnderALoop) {
  // conv reads pad[n, h + rh, w + rw, rc]; per iteration of loop h (compute_at's
  // question) it needs rows h .. h + 2 and every column.
  PrimFunc f = workloads::get("C2D:n=1,h=8,w=8,ci=4,co=4,kernel=3,stride=1,pad=1").func;
  const Buffer& pad = f.root_realize()->block_node()->alloc_buffers[0];
  std::vector<const ForNode*> loops = loops_of(f, "conv");
  ASSERT_EQ(loops.size(), 7u);
  Analyzer az;
  az.bind(loops[0]->loop_var, 0, 1);
  az.bind(loops[1]->loop_var, 0, 8);
  std::vector<IntSet> need = touched_region(loops[1]->body, pad, AccessKind::kRead, az);
  ASSERT_EQ(need.size(), 4u);
  std::vector<Range> ranges = to_ranges(need, az);
  EXPECT_EQ(print(ranges[0].min) + ":+" + print(ranges[0].extent), "0:+1");
  EXPECT_EQ(print(ranges[1].min) + ":+" + print(ranges[1].extent), "h:+3");
  EXPECT_EQ(print(ranges[2].min) + ":+" + print(ranges[2].extent), "0:+10");
  EXPECT_EQ(print(ranges[3].min) + ":+" + print(ranges[3].extent), "0:+4");
  // The producer's own writes under its loop nest cover what the consumer needs.
  std::vector<const ForNode*> pad_loops = loops_of(f, "pad");
  std::vector<IntSet> produced = touched_region(
      Stmt(std::shared_ptr<const StmtNode>(std::shared_ptr<const StmtNode>(), pad_loops[0])), pad,
      AccessKind::kWrite, az);
  EXPECT_TRUE(region_covers(produced, need, az));
  EXPECT_FALSE(region_covers(need, produced, az));
  // Nothing under the conv nest writes pad.
  EXPECT_TRUE(touched_region(loops[1]->body, pad, AccessKind::kWrite, az).empty());
}

struct IterCase {
  std::vector<std::string> bindings;
  std::vector<std::pair<std::string, int64_t>> loops;
  std::string predicate;
  std::string expected;  // to_string of each binding joined by "; ", or the failure text
};

std::string run(const IterCase& c, IterMapLevel level = IterMapLevel::kBijective) {
  Vars vs;
  std::vector<Expr> bindings;
  for (const std::string& b : c.bindings) bindings.push_back(vs.parse(b));
  std::vector<std::pair<Var, int64_t>> loops;
  for (const auto& [name, extent] : c.loops) loops.push_back({vs.v[name], extent});
  Expr predicate = c.predicate.empty() ? make_bool(true) : vs.parse(c.predicate);
  Analyzer az;
  IterMapResult r = detect_iter_map(bindings, loops, predicate, level, az);
  if (!r.ok()) return "FAIL: " + r.failure;
  std::string out;
  for (const IterSum& s : r.indices)
    out += (out.empty() ? "" : "; ") + to_string(s) + " [" + std::to_string(s.extent) + "]";
  return out;
}

TEST(IterMap, AcceptsTheFormsSchedulesProduce) {
  const std::vector<IterCase> cases = {
      {{"i"}, {{"i", 8}}, "", "i(1, 8) [8]"},
      {{"i", "j"}, {{"i", 4}, {"j", 16}}, "", "i(1, 4) [4]; j(1, 16) [16]"},
      {{"j", "i"}, {{"i", 4}, {"j", 16}}, "", "j(1, 16) [16]; i(1, 4) [4]"},        // reorder
      {{"i * 16 + j"}, {{"i", 4}, {"j", 16}}, "", "i(1, 4) * 16 + j(1, 16) [64]"},  // split
      {{"floordiv(f, 16)", "floormod(f, 16)"},
       {{"f", 64}},
       "",
       "f(16, 4) [4]; f(1, 16) [16]"},  // fuse
      {{"floordiv(i * 16 + j, 8)", "floormod(i * 16 + j, 8)"},
       {{"i", 4}, {"j", 16}},
       "",  // fuse of a split
       "i(1, 4) * 2 + j(8, 2) [8]; j(1, 8) [8]"},
      {{"floordiv(i * 8 + j, 16)", "floormod(i * 8 + j, 16)"},
       {{"i", 4}, {"j", 8}},
       "",  // split across loops
       "(i(1, 4) * 8 + j(1, 8))(16, 2) [2]; (i(1, 4) * 8 + j(1, 8))(1, 16) [16]"},
      {{"(i0 * 2 + i1) * 16 + j"},
       {{"i0", 2}, {"i1", 2}, {"j", 16}},
       "",
       "i0(1, 2) * 32 + i1(1, 2) * 16 + j(1, 16) [64]"},
      {{"i * 16 + j"},
       {{"i", 7}, {"j", 16}},
       "i * 16 + j < 100",
       "i(1, 7) * 16 + j(1, 16) [100]"},  // non-divisible split
      // Found by the randomized test: the simplifier must keep the fused i * 8 + j visible.
      {{"floordiv(i * 8 + j, 6)", "floormod(i * 8 + j, 6)"},
       {{"i", 6}, {"j", 8}},
       "",
       "(i(1, 6) * 8 + j(1, 8))(6, 8) [8]; (i(1, 6) * 8 + j(1, 8))(1, 6) [6]"},
      {{"i + 3"}, {{"i", 8}}, "", "i(1, 8) + 3 [8]"},
      {{"i", "0"}, {{"i", 8}, {"x", 1}}, "", "i(1, 8) [8]; 0 [1]"},  // unit loop
  };
  for (const IterCase& c : cases) EXPECT_EQ(run(c), c.expected) << c.bindings[0];
}

TEST(IterMap, RejectsWithTheReason) {
  const std::vector<IterCase> cases = {
      {{"i * 2"},
       {{"i", 8}},
       "",
       "FAIL: binding 'i * 2' is not a bijection onto a range: expected a term with scale 1, found "
       "scale 2"},
      {{"i * 16 + j"},
       {{"i", 4}, {"j", 17}},
       "",
       "FAIL: binding 'i * 16 + j' is not a bijection onto a range: expected a term with scale 17, "
       "found scale 16"},
      {{"i", "i"},
       {{"i", 8}},
       "",
       "FAIL: loop variable 'i' is used more than once (overlapping splits)"},
      {{"i * j"}, {{"i", 4}, {"j", 4}}, "", "FAIL: 'i * j' multiplies two iterators"},
      {{"floordiv(i, 3)"},
       {{"i", 8}},
       "",
       "FAIL: 'floordiv(i, 3)': 3 does not divide the iterator's extent 8"},
      {{"i"},
       {{"i", 4}, {"j", 4}},
       "",
       "FAIL: loop variable 'j' is not used by any binding (the map is not injective)"},
      {{"floordiv(f, 16)"},
       {{"f", 64}},
       "",
       "FAIL: loop variable 'f' is not fully used: no split covers its factor 1 (the map is not "
       "injective)"},
      {{"i - j"},
       {{"i", 4}, {"j", 4}},
       "",
       "FAIL: 'i - j' subtracts an iterator (a negative coefficient)"},
      {{"floordiv(i * 4 + j + 1, 2)"},
       {{"i", 4}, {"j", 4}},
       "",
       "FAIL: 'floordiv(j + 1, 2)' has a constant offset inside the division"},  // after
                                                                                 // simplification
      {{"x"}, {{"i", 4}}, "", "FAIL: 'x' is not a loop variable of the nest"},
      {{"i * 4 + j"},
       {{"i", 4}, {"j", 4}},
       "j < 3",
       "FAIL: predicate 'j < 3' does not bound any binding"},
      {{"min(i, 3)"},
       {{"i", 8}},
       "",
       "FAIL: 'min(i, 3)' is not an affine expression of the loop variables"},
  };
  for (const IterCase& c : cases) EXPECT_EQ(run(c), c.expected) << c.bindings[0];
}

TEST(IterMap, SurjectiveAllowsUnusedLoops) {
  EXPECT_EQ(run({{"i"}, {{"i", 4}, {"j", 4}}, "", ""}, IterMapLevel::kSurjective), "i(1, 4) [4]");
  EXPECT_EQ(run({{"floordiv(f, 16)"}, {{"f", 64}}, "", ""}, IterMapLevel::kSurjective),
            "f(16, 4) [4]");
  EXPECT_EQ(run({{"i", "i"}, {{"i", 8}}, "", ""}, IterMapLevel::kSurjective),
            "FAIL: loop variable 'i' is used more than once (overlapping splits)");
}

// Random split / fuse / reorder sequences on a 2-D iteration space give bindings
// that are bijective by construction: detection must accept them with the right
// extents. Random perturbations of them are checked against brute force:
// detection must never call a map bijective that is not.
struct Nest {
  std::vector<std::pair<Var, int64_t>> loops;
  std::vector<Expr> bindings;
};

Nest random_nest(Random& rng, int64_t e0, int64_t e1) {
  Nest n;
  n.loops = {{Var("l0"), e0}, {Var("l1"), e1}};
  n.bindings = {n.loops[0].first, n.loops[1].first};
  int counter = 2;
  for (int op = rng.uniform_int(1, 5); op > 0; --op) {
    size_t at = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(n.loops.size())));
    auto [var, extent] = n.loops[at];
    switch (rng.uniform_int(0, 3)) {
      case 0: {  // split by a divisor
        std::vector<int64_t> divisors;
        for (int64_t d = 2; d < extent; ++d)
          if (extent % d == 0) divisors.push_back(d);
        if (divisors.empty()) break;
        int64_t f = divisors[static_cast<size_t>(
            rng.uniform_int(0, static_cast<int64_t>(divisors.size())))];
        Var outer("l" + std::to_string(counter++)), inner("l" + std::to_string(counter++));
        VarMap m{{var.get(), outer * f + inner}};
        for (Expr& b : n.bindings) b = substitute(b, m);
        n.loops[at] = {outer, extent / f};
        n.loops.insert(n.loops.begin() + static_cast<std::ptrdiff_t>(at) + 1, {inner, f});
        break;
      }
      case 1: {  // fuse with the next loop
        if (at + 1 >= n.loops.size()) break;
        auto [var2, extent2] = n.loops[at + 1];
        Var fused("l" + std::to_string(counter++));
        VarMap m{{var.get(), floordiv(fused, make_int(extent2))},
                 {var2.get(), floormod(fused, make_int(extent2))}};
        for (Expr& b : n.bindings) b = substitute(b, m);
        n.loops[at] = {fused, extent * extent2};
        n.loops.erase(n.loops.begin() + static_cast<std::ptrdiff_t>(at) + 1);
        break;
      }
      default: {  // reorder two loops
        size_t other =
            static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(n.loops.size())));
        std::swap(n.loops[at], n.loops[other]);
      }
    }
  }
  return n;
}

// Brute force: the set of binding tuples over the whole nest, and whether it is a bijection onto
// the box.
bool truly_bijective(const Nest& n, const std::vector<int64_t>& box) {
  std::set<std::vector<int64_t>> seen;
  std::vector<int64_t> idx(n.loops.size(), 0);
  int64_t total = 1;
  for (const auto& l : n.loops) total *= l.second;
  for (int64_t count = 0; count < total; ++count) {
    Point p;
    int64_t rest = count;
    for (size_t d = n.loops.size(); d-- > 0;) {
      p.values[n.loops[d].first.get()] = rest % n.loops[d].second;
      rest /= n.loops[d].second;
    }
    std::vector<int64_t> tuple;
    for (size_t b = 0; b < n.bindings.size(); ++b) {
      int64_t v = *evaluate(n.bindings[b], p);
      if (v < 0 || v >= box[b]) return false;
      tuple.push_back(v);
    }
    if (!seen.insert(tuple).second) return false;
  }
  int64_t volume = 1;
  for (int64_t e : box) volume *= e;
  return static_cast<int64_t>(seen.size()) == volume;
}

TEST(IterMap, RandomSchedulesAreDetectedAndNeverOverclaimed) {
  Random rng(77);
  int accepted = 0, rejected = 0;
  const int64_t shapes[][2] = {{12, 8}, {16, 6}, {9, 4}, {24, 2}, {8, 8}};
  for (int n = 0; n < 600; ++n) {
    const auto& shape = shapes[n % 5];
    Nest nest = random_nest(rng, shape[0], shape[1]);
    Analyzer az;
    IterMapResult r =
        detect_iter_map(nest.bindings, nest.loops, make_bool(true), IterMapLevel::kBijective, az);
    ASSERT_TRUE(r.ok()) << r.failure << " for " << print(nest.bindings[0]) << ", "
                        << print(nest.bindings[1]);
    ASSERT_EQ(r.indices[0].extent, shape[0]);
    ASSERT_EQ(r.indices[1].extent, shape[1]);
    // Perturb one binding and compare with brute force.
    Nest bad = nest;
    size_t which = static_cast<size_t>(rng.uniform_int(0, 2));
    const Var& some_loop =
        bad.loops[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(bad.loops.size())))]
            .first;
    switch (rng.uniform_int(0, 4)) {
      case 0: bad.bindings[which] = bad.bindings[which] * 2; break;
      case 1: bad.bindings[which] = bad.bindings[which] + some_loop; break;
      case 2: bad.bindings[which] = floordiv(bad.bindings[which], make_int(2)); break;
      default: bad.bindings[which] = some_loop; break;
    }
    Analyzer az2;
    IterMapResult rb =
        detect_iter_map(bad.bindings, bad.loops, make_bool(true), IterMapLevel::kBijective, az2);
    if (rb.ok()) {
      ++accepted;
      std::vector<int64_t> box{rb.indices[0].extent, rb.indices[1].extent};
      ASSERT_TRUE(truly_bijective(bad, box))
          << "claimed bijective: " << print(bad.bindings[0]) << ", " << print(bad.bindings[1]);
      ASSERT_EQ(rb.indices[0].base, 0);
    } else {
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 300);
  EXPECT_GT(accepted, 0);  // some perturbations (e.g. a loop replaced by itself) stay bijective
}

}  // namespace
}  // namespace tessera
