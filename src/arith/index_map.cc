#include "tessera/arith/index_map.h"

#include "tessera/arith/evaluate.h"

#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/arith/iter_map.h"
#include "tessera/ir/op.h"
#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {

IndexMap::IndexMap(std::vector<Var> inputs, std::vector<Expr> outputs)
    : inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  std::set<std::string> names;
  std::set<const VarNode*> known;
  for (const Var& v : inputs_) {
    if (!names.insert(v.name()).second) fail("index map: the input '{}' is named twice", v.name());
    known.insert(v.get());
  }
  class Free : public IRVisitor {
   public:
    const std::set<const VarNode*>* known;
    std::string unknown;
    void visit_var(const VarNode* op) override {
      if (known->count(op) == 0 && unknown.empty()) unknown = op->name;
    }
  } free;
  free.known = &known;
  for (const Expr& e : outputs_) {
    if (!e.dtype().is_int() || e.dtype().lanes() != 1)
      fail("index map: the output '{}' is not a scalar integer", print(e));
    free.visit_expr(e);
    if (!free.unknown.empty())
      fail("index map: the output '{}' uses '{}', which is not an input", print(e), free.unknown);
  }
  if (outputs_.empty()) fail("index map: there are no outputs");
}

IndexMap IndexMap::from_lambda(const std::vector<std::string>& names,
                               const std::function<std::vector<Expr>(const std::vector<Var>&)>& f) {
  std::vector<Var> inputs;
  for (const std::string& n : names) inputs.push_back(Var(n, DataType::int32()));
  return IndexMap(inputs, f(inputs));
}

namespace {

// Splits "a, f(b, c), d" at the commas outside parentheses and brackets.
std::vector<std::pair<std::string, size_t>> split_top_level(std::string_view text, size_t offset) {
  std::vector<std::pair<std::string, size_t>> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      parts.push_back({std::string(text.substr(start, i - start)), offset + start});
      start = i + 1;
    } else if (text[i] == '(' || text[i] == '[') {
      ++depth;
    } else if (text[i] == ')' || text[i] == ']') {
      --depth;
    }
  }
  return parts;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\n"), b = s.find_last_not_of(" \t\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

IndexMap IndexMap::parse(std::string_view text) {
  auto error = [&](size_t at, const std::string& what) {
    fail("index map \"{}\": {} at column {} (expected \"(i, j) -> (expr, ...)\")",
         std::string(text), what, at + 1);
  };
  size_t arrow = text.find("->");
  if (arrow == std::string_view::npos) error(0, "no '->'");
  std::string lhs = trim(std::string(text.substr(0, arrow)));
  std::string rhs = trim(std::string(text.substr(arrow + 2)));
  if (lhs.size() < 2 || lhs.front() != '(' || lhs.back() != ')')
    error(0, "the inputs are not a parenthesised list");
  if (rhs.size() < 2 || rhs.front() != '(' || rhs.back() != ')')
    error(arrow + 2, "the outputs are not a parenthesised list");
  std::vector<Var> inputs;
  std::map<std::string, Var> scope;
  for (const auto& [name, at] :
       split_top_level(std::string_view(lhs).substr(1, lhs.size() - 2), 1)) {
    std::string n = trim(name);
    bool ident = !n.empty() && (std::isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_');
    for (char c : n) ident = ident && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ident) error(at, fmt::format("'{}' is not an input name", n));
    if (scope.count(n) != 0) error(at, fmt::format("the input '{}' is named twice", n));
    inputs.push_back(Var(n, DataType::int32()));
    scope[n] = inputs.back();
  }
  std::vector<Expr> outputs;
  size_t rhs_at = text.find('(', arrow);
  for (const auto& [piece, at] :
       split_top_level(std::string_view(rhs).substr(1, rhs.size() - 2), rhs_at + 1)) {
    if (trim(piece).empty()) error(at, "an output is empty");
    try {
      outputs.push_back(parse_expr(piece, scope, {}, "index map"));
    } catch (const Error& e) {
      error(at, fmt::format("the output '{}' does not parse: {}", trim(piece), e.message()));
    }
  }
  return IndexMap(inputs, outputs);
}

std::string IndexMap::to_string() const {
  std::vector<std::string> in, out;
  for (const Var& v : inputs_) in.push_back(v.name());
  for (const Expr& e : outputs_) out.push_back(print(e));
  return fmt::format("({}) -> ({})", fmt::join(in, ", "), fmt::join(out, ", "));
}

std::vector<Expr> IndexMap::apply(const std::vector<Expr>& indices, Analyzer& az) const {
  if (indices.size() != inputs_.size())
    fail("index map {} takes {} indices, given {}", to_string(), inputs_.size(), indices.size());
  VarMap map;
  for (size_t i = 0; i < indices.size(); ++i) {
    // The map's variables are int32; an index of another integer type is converted.
    map[inputs_[i].get()] = indices[i].dtype() == inputs_[i].dtype()
                                ? indices[i]
                                : cast(inputs_[i].dtype(), indices[i]);
  }
  std::vector<Expr> out;
  for (const Expr& e : outputs_) {
    Expr v = az.simplify(substitute(e, map));
    DataType t = indices.empty() ? v.dtype() : indices[0].dtype();
    out.push_back(v.dtype() == t ? v : cast(t, v));
  }
  return out;
}

namespace {

constexpr int64_t kMaxEnumerated = int64_t{1} << 22;

}  // namespace

IndexMap::Analysis IndexMap::analyze(const std::vector<int64_t>& input_shape) const {
  Analysis a;
  if (input_shape.size() != inputs_.size()) {
    a.failure = fmt::format("the map takes {} indices but the box has {} dimensions",
                            inputs_.size(), input_shape.size());
    return a;
  }
  Analyzer az;
  std::vector<std::pair<Var, int64_t>> loops;
  int64_t in_volume = 1;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (input_shape[i] < 1) {
      a.failure = fmt::format("dimension {} has extent {}", i, input_shape[i]);
      return a;
    }
    az.bind(inputs_[i], 0, input_shape[i]);
    loops.push_back({inputs_[i], input_shape[i]});
    in_volume *= input_shape[i];
  }
  int64_t out_volume = 1;
  for (const Expr& e : outputs_) {
    ConstIntBound b = az.const_int_bound(e);
    if (b.min < 0) {
      a.failure = fmt::format("the output '{}' can be negative ({})", print(e), b.min);
      return a;
    }
    if (b.max >= (int64_t{1} << 31)) {
      a.failure = fmt::format("the output '{}' has no usable upper bound", print(e));
      return a;
    }
    a.shape.push_back(b.max + 1);
    out_volume *= b.max + 1;
  }
  IterMapResult r = detect_iter_map(outputs_, loops, make_bool(true), IterMapLevel::kBijective, az);
  if (r.ok()) {
    a.injective = true;
    a.surjective = in_volume == out_volume;
    return a;
  }
  if (in_volume > kMaxEnumerated || out_volume > kMaxEnumerated) {
    a.failure = fmt::format(
        "the map is not a recognised affine map ({}) and the box is too large to check point by "
        "point",
        r.failure);
    return a;
  }
  // Point by point: every input point's image, marked in the output box.
  std::unordered_map<const VarNode*, size_t> slot;
  for (size_t i = 0; i < inputs_.size(); ++i) slot[inputs_[i].get()] = i;
  std::vector<bool> hit(static_cast<size_t>(out_volume), false);
  std::vector<int64_t> point(inputs_.size(), 0);
  a.injective = true;
  int64_t hits = 0;
  for (int64_t n = 0; n < in_volume; ++n) {
    int64_t flat = 0;
    for (size_t d = 0; d < outputs_.size(); ++d) {
      auto v = evaluate_index(outputs_[d], [&](const VarNode* x) -> std::optional<int64_t> {
        auto it = slot.find(x);
        if (it == slot.end()) return std::nullopt;
        return point[it->second];
      });
      if (!v) {
        a.failure = fmt::format("the output '{}' is not integer arithmetic of the inputs",
                                print(outputs_[d]));
        return a;
      }
      flat = flat * a.shape[d] + *v;
    }
    if (hit[static_cast<size_t>(flat)])
      a.injective = false;
    else
      ++hits;
    hit[static_cast<size_t>(flat)] = true;
    for (size_t d = point.size(); d-- > 0;) {
      if (++point[d] < input_shape[d]) break;
      point[d] = 0;
    }
  }
  a.surjective = hits == out_volume;
  return a;
}

std::optional<IndexMap> IndexMap::inverse(const std::vector<int64_t>& input_shape) const {
  Analysis a = analyze(input_shape);
  if (!a.failure.empty() || !a.injective || !a.surjective) return std::nullopt;
  Analyzer az;
  std::vector<std::pair<Var, int64_t>> loops;
  for (size_t i = 0; i < inputs_.size(); ++i) loops.push_back({inputs_[i], input_shape[i]});
  IterMapResult r = detect_iter_map(outputs_, loops, make_bool(true), IterMapLevel::kBijective, az);
  if (!r.ok()) return std::nullopt;
  // Each output is a mixed-radix number of pieces of its sources; a source's value is
  // the sum of its pieces scaled by their lower factors. Fused sources are themselves
  // such numbers, taken apart the same way once their whole value is known.
  std::vector<Var> outs;
  Analyzer out_az;
  for (size_t d = 0; d < outputs_.size(); ++d) {
    outs.push_back(Var(fmt::format("o{}", d), DataType::int32()));
    out_az.bind(outs.back(), 0, a.shape[d]);
  }
  std::vector<const IterMark*> order;
  std::unordered_map<const IterMark*, Expr> value;
  auto contribute = [&](const IterSum& sum, const Expr& whole) {
    Expr rest = sum.base == 0 ? whole : sub(whole, make_int(sum.base));
    for (const IterSplit& s : sum.args) {
      Expr piece = floormod(floordiv(rest, make_int(s.scale)), make_int(s.extent));
      Expr scaled = s.lower_factor == 1 ? piece : mul(piece, make_int(s.lower_factor));
      const IterMark* m = s.source.get();
      if (value.count(m) == 0) {
        order.push_back(m);
        value[m] = scaled;
      } else {
        value[m] = add(value[m], scaled);
      }
    }
  };
  for (size_t d = 0; d < outputs_.size(); ++d) contribute(r.indices[d], outs[d]);
  std::vector<Expr> inverse(inputs_.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const IterMark* m = order[k];
    if (m->fused) {
      contribute(*m->fused, value[m]);
      continue;
    }
    for (size_t i = 0; i < inputs_.size(); ++i) {
      if (inputs_[i].same_as(m->var)) inverse[i] = out_az.simplify(value[m]);
    }
  }
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (!inverse[i].defined()) inverse[i] = make_int(0);  // an input of extent 1 no output uses
  }
  // The composition must be the identity on the output box.
  IndexMap inv(outs, inverse);
  std::vector<Expr> roundtrip = apply(inv.outputs(), out_az);
  for (size_t d = 0; d < outs.size(); ++d) {
    if (!out_az.can_prove_equal(roundtrip[d], outs[d])) return std::nullopt;
  }
  return inv;
}

}  // namespace tessera
