#include "tessera/arith/iter_map.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "bound_internal.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"

namespace tessera {
namespace {

struct Failure {
  std::string reason;
};

using MarkPtr = std::shared_ptr<const IterMark>;

class IterMapDetector {
 public:
  IterMapDetector(const std::vector<std::pair<Var, int64_t>>& loops, Analyzer& az) : az_(az) {
    for (const auto& [var, extent] : loops) {
      if (extent <= 0) throw Failure{fmt::format("loop '{}' has extent {}", var.name(), extent)};
      auto mark = std::make_shared<IterMark>();
      mark->var = var;
      mark->extent = extent;
      leaves_[var.get()] = mark;
      leaf_order_.push_back(mark);
      az_.bind(var, 0, extent);
    }
  }

  IterSum parse(const Expr& e) {
    switch (e.kind()) {
      case ExprKind::kIntImm: return IterSum{{}, e.as<IntImmNode>()->value, 1};
      case ExprKind::kVar: {
        auto it = leaves_.find(e.as<VarNode>());
        if (it == leaves_.end())
          throw Failure{
              fmt::format("'{}' is not a loop variable of the nest", e.as<VarNode>()->name)};
        if (it->second->extent == 1) return IterSum{{}, 0, 1};
        return IterSum{{IterSplit{it->second, 1, it->second->extent, 1}}, 0, 1};
      }
      case ExprKind::kAdd: {
        IterSum a = parse(e.as<BinaryNode>()->a), b = parse(e.as<BinaryNode>()->b);
        a.args.insert(a.args.end(), b.args.begin(), b.args.end());
        a.base += b.base;
        return a;
      }
      case ExprKind::kSub: {
        IterSum a = parse(e.as<BinaryNode>()->a), b = parse(e.as<BinaryNode>()->b);
        if (!b.args.empty())
          throw Failure{
              fmt::format("'{}' subtracts an iterator (a negative coefficient)", print(e))};
        a.base -= b.base;
        return a;
      }
      case ExprKind::kMul: {
        auto* x = e.as<BinaryNode>();
        IterSum a = parse(x->a), b = parse(x->b);
        if (!a.args.empty() && !b.args.empty())
          throw Failure{fmt::format("'{}' multiplies two iterators", print(e))};
        if (a.args.empty()) std::swap(a, b);
        const int64_t c = b.base;
        if (c < 0 && !a.args.empty())
          throw Failure{fmt::format("'{}' has a negative coefficient", print(e))};
        if (c == 0) return IterSum{{}, 0, 1};
        for (IterSplit& s : a.args) s.scale *= c;
        a.base *= c;
        return a;
      }
      case ExprKind::kFloorDiv:
      case ExprKind::kFloorMod: {
        auto* x = e.as<BinaryNode>();
        auto c = as_const_int(x->b);
        if (!c || *c <= 0)
          throw Failure{
              fmt::format("'{}' divides by something other than a positive constant", print(e))};
        IterSum a = parse(x->a);
        if (a.args.empty()) {
          int64_t v =
              e.kind() == ExprKind::kFloorDiv ? floor_div(a.base, *c) : floor_mod(a.base, *c);
          return IterSum{{}, v, 1};
        }
        if (a.base != 0)
          throw Failure{fmt::format("'{}' has a constant offset inside the division", print(e))};
        IterSplit s = a.args.size() == 1 ? a.args[0] : IterSplit{fuse(a, print(x->a)), 1, 0, 1};
        if (s.extent == 0) s.extent = s.source->extent;
        return e.kind() == ExprKind::kFloorDiv ? divide(s, *c, e) : modulo(s, *c, e);
      }
      default:
        throw Failure{
            fmt::format("'{}' is not an affine expression of the loop variables", print(e))};
    }
  }

  // The splits of a sum as one new iterator, when they form a mixed-radix number.
  MarkPtr fuse(const IterSum& sum, const std::string& text) {
    std::vector<IterSplit> args = sum.args;
    std::sort(args.begin(), args.end(),
              [](const IterSplit& a, const IterSplit& b) { return a.scale < b.scale; });
    int64_t expected = 1;
    for (const IterSplit& s : args) {
      if (s.scale != expected) {
        throw Failure{fmt::format(
            "'{}' is not a fusion of iterators: expected a term with scale {}, found scale {}",
            text, expected, s.scale)};
      }
      expected *= s.extent;
    }
    std::reverse(args.begin(), args.end());
    for (const MarkPtr& m : fused_) {
      if (same_args(m->fused->args, args)) return m;
    }
    auto mark = std::make_shared<IterMark>();
    mark->fused = std::make_shared<IterSum>(IterSum{args, 0, expected});
    mark->extent = expected;
    fused_.push_back(mark);
    return mark;
  }

  // Checks a binding's sum is a mixed-radix number and records its extent.
  void finish_binding(IterSum& sum, const std::string& text) {
    std::sort(sum.args.begin(), sum.args.end(),
              [](const IterSplit& a, const IterSplit& b) { return a.scale > b.scale; });
    int64_t expected = 1;
    for (auto it = sum.args.rbegin(); it != sum.args.rend(); ++it) {
      if (it->scale != expected) {
        throw Failure{
            fmt::format("binding '{}' is not a bijection onto a range: expected a term with scale "
                        "{}, found scale {}",
                        text, expected, it->scale)};
      }
      expected *= it->extent;
    }
    sum.extent = expected;
  }

  // Every source's splits must tile it (bijective) or at least not overlap (surjective).
  void check_coverage(const std::vector<IterSum>& sums, IterMapLevel level) {
    std::map<const IterMark*, std::vector<IterSplit>> uses;
    auto record = [&](const IterSplit& s) { uses[s.source.get()].push_back(s); };
    for (const IterSum& sum : sums) {
      for (const IterSplit& s : sum.args) record(s);
    }
    for (const MarkPtr& m : fused_) {
      for (const IterSplit& s : m->fused->args) record(s);
    }
    auto name = [](const IterMark* m) {
      return m->var.defined() ? fmt::format("loop variable '{}'", m->var.name())
                              : std::string("fused iterator ") + to_string(*m->fused);
    };
    for (auto& [mark, splits] : uses) {
      std::sort(splits.begin(), splits.end(), [](const IterSplit& a, const IterSplit& b) {
        return a.lower_factor < b.lower_factor;
      });
      int64_t expected = 1;
      for (const IterSplit& s : splits) {
        if (s.lower_factor < expected)
          throw Failure{fmt::format("{} is used more than once (overlapping splits)", name(mark))};
        if (s.lower_factor > expected && level == IterMapLevel::kBijective) {
          throw Failure{fmt::format(
              "{} is not fully used: no split covers its factor {} (the map is not injective)",
              name(mark), expected)};
        }
        expected = s.lower_factor * s.extent;
      }
      if (expected != mark->extent && level == IterMapLevel::kBijective) {
        throw Failure{
            fmt::format("{} of extent {} is only partly used (up to {}): the map is not injective",
                        name(mark), mark->extent, expected)};
      }
    }
    if (level == IterMapLevel::kBijective) {
      for (const MarkPtr& leaf : leaf_order_) {
        if (leaf->extent > 1 && uses.count(leaf.get()) == 0) {
          throw Failure{fmt::format(
              "loop variable '{}' is not used by any binding (the map is not injective)",
              leaf->var.name())};
        }
      }
    }
  }

  static bool same_args(const std::vector<IterSplit>& a, const std::vector<IterSplit>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].source != b[i].source || a[i].lower_factor != b[i].lower_factor ||
          a[i].extent != b[i].extent || a[i].scale != b[i].scale) {
        return false;
      }
    }
    return true;
  }

 private:
  // floordiv(scale * digit, c)
  IterSum divide(const IterSplit& s, int64_t c, const Expr& e) {
    if (s.scale % c == 0)
      return IterSum{{IterSplit{s.source, s.lower_factor, s.extent, s.scale / c}}, 0, 1};
    if (c % s.scale != 0)
      throw Failure{fmt::format("'{}': divisor {} and coefficient {} do not divide each other",
                                print(e), c, s.scale)};
    const int64_t d = c / s.scale;
    if (d >= s.extent) return IterSum{{}, 0, 1};
    if (s.extent % d != 0) {
      throw Failure{
          fmt::format("'{}': {} does not divide the iterator's extent {}", print(e), d, s.extent)};
    }
    return IterSum{{IterSplit{s.source, s.lower_factor * d, s.extent / d, 1}}, 0, 1};
  }

  // floormod(scale * digit, c)
  IterSum modulo(const IterSplit& s, int64_t c, const Expr& e) {
    if (s.scale % c == 0) return IterSum{{}, 0, 1};
    if (c % s.scale != 0)
      throw Failure{fmt::format("'{}': modulus {} and coefficient {} do not divide each other",
                                print(e), c, s.scale)};
    const int64_t d = c / s.scale;
    if (d >= s.extent) return IterSum{{s}, 0, 1};
    if (s.extent % d != 0) {
      throw Failure{
          fmt::format("'{}': {} does not divide the iterator's extent {}", print(e), d, s.extent)};
    }
    return IterSum{{IterSplit{s.source, s.lower_factor, d, s.scale}}, 0, 1};
  }

  Analyzer& az_;
  std::unordered_map<const VarNode*, MarkPtr> leaves_;
  std::vector<MarkPtr> leaf_order_;
  std::vector<MarkPtr> fused_;
};

}  // namespace

std::string to_string(const IterSum& sum) {
  std::vector<std::string> terms;
  for (const IterSplit& s : sum.args) {
    std::string source =
        s.source->var.defined() ? s.source->var.name() : "(" + to_string(*s.source->fused) + ")";
    std::string term = fmt::format("{}({}, {})", source, s.lower_factor, s.extent);
    if (s.scale != 1) term += fmt::format(" * {}", s.scale);
    terms.push_back(term);
  }
  if (sum.base != 0 || terms.empty()) terms.push_back(std::to_string(sum.base));
  return fmt::format("{}", fmt::join(terms, " + "));
}

IterMapResult detect_iter_map(const std::vector<Expr>& bindings,
                              const std::vector<std::pair<Var, int64_t>>& loops,
                              const Expr& predicate, IterMapLevel level, Analyzer& az) {
  IterMapResult result;
  Analyzer local = az;
  try {
    IterMapDetector detector(loops, local);
    for (size_t i = 0; i < bindings.size(); ++i) {
      Expr simplified = local.simplify(bindings[i]);
      IterSum sum = detector.parse(simplified);
      detector.finish_binding(sum, print(bindings[i]));
      result.indices.push_back(std::move(sum));
    }
    if (predicate.defined() && !is_const_int(local.simplify(predicate), 1)) {
      std::vector<Expr> parts;
      conjuncts(local.simplify(predicate), parts);
      for (const Expr& part : parts) {
        const auto* lt = part.as<BinaryNode>();
        auto limit = lt && lt->kind == ExprKind::kLT ? as_const_int(lt->b) : std::nullopt;
        if (!limit)
          throw Failure{
              fmt::format("predicate '{}' is not of the form binding < constant", print(part))};
        IterSum lhs = detector.parse(lt->a);
        detector.finish_binding(lhs, print(lt->a));
        bool matched = false;
        for (IterSum& sum : result.indices) {
          if (sum.base == lhs.base && IterMapDetector::same_args(sum.args, lhs.args)) {
            if (*limit - sum.base < sum.extent)
              sum.extent = std::max<int64_t>(*limit - sum.base, 0);
            matched = true;
          }
        }
        if (!matched)
          throw Failure{fmt::format("predicate '{}' does not bound any binding", print(part))};
      }
    }
    detector.check_coverage(result.indices, level);
  } catch (const Failure& f) {
    result.failure = f.reason;
    result.indices.clear();
  }
  return result;
}

}  // namespace tessera
