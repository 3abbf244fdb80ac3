#include "tessera/runtime/interpreter.h"

#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "tessera/ir/printer.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

// One lane of a value: integers (bool included) in `i`, floats in `f`.
struct Lane {
  int64_t i = 0;
  double f = 0;
};

struct Value {
  DataType dtype;
  Lane scalar;
  std::vector<Lane> lanes;  // used when dtype.lanes() > 1

  int count() const { return dtype.lanes(); }
  Lane& at(int k) { return dtype.lanes() == 1 ? scalar : lanes[static_cast<size_t>(k)]; }
  const Lane& at(int k) const {
    return dtype.lanes() == 1 ? scalar : lanes[static_cast<size_t>(k)];
  }

  static Value of_type(DataType t) {
    Value v;
    v.dtype = t;
    if (t.lanes() > 1) v.lanes.resize(static_cast<size_t>(t.lanes()));
    return v;
  }
};

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Storage of one buffer as the program sees it.
struct BufferBinding {
  NDArray array;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
  int64_t offset = 0;
};

class Interpreter {
 public:
  void bind_param(const Buffer& b, const NDArray& a) {
    std::vector<int64_t> shape = eval_shape(b);
    // A flattened parameter (lowered loop IR) sees the array as one dimension.
    const bool flat_view =
        shape.size() == 1 && a.shape().size() != 1 && shape[0] == a.size() && a.dtype() == b->dtype;
    if (flat_view) {
      bind(b, a, shape, 0);
      return;
    }
    if (a.shape() != shape || a.dtype() != b->dtype) {
      fail("argument for buffer '{}' is {}, the function expects {}[{}]", b->name, shape_string(a),
           b->dtype.str(), fmt::join(shape, ", "));
    }
    bind(b, a, shape, 0);
  }

  void exec(const Stmt& s) {
    switch (s.kind()) {
      case StmtKind::kBufferStore: return store(s.as<BufferStoreNode>());
      case StmtKind::kFor: {
        auto* f = s.as<ForNode>();
        int64_t min = eval_int(f->min), extent = eval_int(f->extent);
        for (int64_t i = min; i < min + extent; ++i) {
          set_var(f->loop_var.get(), i);
          exec(f->body);
        }
        vars_.erase(f->loop_var.get());
        return;
      }
      case StmtKind::kBlock: return block(s.as<BlockNode>(), nullptr);
      case StmtKind::kBlockRealize: {
        auto* r = s.as<BlockRealizeNode>();
        return block(r->block_node(), r);
      }
      case StmtKind::kSeqStmt:
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) exec(c);
        return;
      case StmtKind::kIfThenElse: {
        auto* x = s.as<IfThenElseNode>();
        if (eval_int(x->condition) != 0) {
          exec(x->then_case);
        } else if (x->else_case.defined()) {
          exec(x->else_case);
        }
        return;
      }
      case StmtKind::kLetStmt: {
        auto* x = s.as<LetStmtNode>();
        vars_[x->var.get()] = eval(x->value);
        exec(x->body);
        vars_.erase(x->var.get());
        return;
      }
      case StmtKind::kEvaluate: eval(s.as<EvaluateNode>()->value); return;
      case StmtKind::kAllocate: {
        auto* x = s.as<AllocateNode>();
        allocate(x->buffer);
        exec(x->body);
        buffers_.erase(x->buffer.get());
        return;
      }
    }
  }

 private:
  std::unordered_map<const ExprNode*, Value> vars_;
  std::unordered_map<const BufferNode*, BufferBinding> buffers_;
  std::vector<std::string> block_stack_;

  std::string where() const {
    return block_stack_.empty() ? std::string("the function body")
                                : fmt::format("block '{}'", block_stack_.back());
  }

  void set_var(const VarNode* v, int64_t value) {
    Value x = Value::of_type(v->dtype);
    x.scalar.i = value;
    vars_[v] = x;
  }

  std::vector<int64_t> eval_shape(const Buffer& b) {
    std::vector<int64_t> shape;
    for (const Expr& d : b->shape) shape.push_back(eval_int(d));
    return shape;
  }

  void bind(const Buffer& b, NDArray array, const std::vector<int64_t>& shape, int64_t offset) {
    BufferBinding binding{std::move(array), shape, {}, offset + eval_int(b->elem_offset)};
    if (b->strides.empty()) {
      binding.strides.assign(shape.size(), 1);
      for (size_t d = shape.size(); d-- > 1;)
        binding.strides[d - 1] = binding.strides[d] * shape[d];
    } else {
      for (const Expr& s : b->strides) binding.strides.push_back(eval_int(s));
    }
    buffers_[b.get()] = std::move(binding);
  }

  void allocate(const Buffer& b) {
    std::vector<int64_t> shape = eval_shape(b);
    int64_t extent = 1;
    if (!b->strides.empty()) {
      // Strided storage: big enough for the furthest element.
      for (size_t d = 0; d < shape.size(); ++d) extent += (shape[d] - 1) * eval_int(b->strides[d]);
      extent += eval_int(b->elem_offset);
    } else {
      for (int64_t d : shape) extent *= d;
      extent += eval_int(b->elem_offset);
    }
    NDArray storage = NDArray::empty({std::max<int64_t>(extent, 0)}, b->dtype);
    if (b->dtype.is_floating()) {
      storage.fill(std::numeric_limits<double>::quiet_NaN());
    } else {
      for (int64_t i = 0; i < storage.size(); ++i) storage.set_int(i, 0x5a5a5a5a5a5a5a5aLL);
    }
    bind(b, storage, shape, 0);
  }

  const BufferBinding& binding(const Buffer& b) const {
    auto it = buffers_.find(b.get());
    if (it == buffers_.end())
      fail("{}: buffer '{}' is used outside the scope that defines it", where(), b->name);
    return it->second;
  }

  int64_t flat_index(const Buffer& b, const BufferBinding& binding,
                     const std::vector<int64_t>& index, const char* what) const {
    int64_t flat = binding.offset;
    bool ok = index.size() == binding.shape.size();
    for (size_t d = 0; ok && d < index.size(); ++d) {
      ok = index[d] >= 0 && index[d] < binding.shape[d];
      flat += index[d] * binding.strides[d];
    }
    if (!ok || flat < 0 || flat >= binding.array.size()) {
      fail("{}: out-of-bounds {} {}[{}] (shape [{}])", where(), what, b->name,
           fmt::join(index, ", "), fmt::join(binding.shape, ", "));
    }
    return flat;
  }

  // Per-lane indices of an access (scalar indices broadcast over the lanes).
  std::vector<std::vector<int64_t>> lane_indices(const std::vector<Expr>& indices, int lanes) {
    std::vector<Value> values;
    for (const Expr& e : indices) values.push_back(eval(e));
    std::vector<std::vector<int64_t>> out(static_cast<size_t>(lanes));
    for (int k = 0; k < lanes; ++k) {
      for (const Value& v : values)
        out[static_cast<size_t>(k)].push_back(v.count() == 1 ? v.scalar.i : v.at(k).i);
    }
    return out;
  }

  void store(const BufferStoreNode* op) {
    Value v = eval(op->value);
    const BufferBinding& b = binding(op->buffer);
    auto idx = lane_indices(op->indices, v.count());
    for (int k = 0; k < v.count(); ++k) {
      int64_t flat = flat_index(op->buffer, b, idx[static_cast<size_t>(k)], "write to");
      NDArray array = b.array;
      if (op->buffer->dtype.is_floating()) {
        array.set(flat, v.at(k).f);
      } else {
        array.set_int(flat, v.at(k).i);
      }
    }
  }

  Value load(const BufferLoadNode* op, DataType t) {
    const BufferBinding& b = binding(op->buffer);
    auto idx = lane_indices(op->indices, t.lanes());
    Value v = Value::of_type(t);
    for (int k = 0; k < t.lanes(); ++k) {
      int64_t flat = flat_index(op->buffer, b, idx[static_cast<size_t>(k)], "read of");
      if (t.is_floating()) {
        v.at(k).f = b.array.get(flat);
      } else {
        v.at(k).i = b.array.get_int(flat);
      }
    }
    return v;
  }

  void block(const BlockNode* b, const BlockRealizeNode* realize) {
    block_stack_.push_back(b->name);
    if (realize == nullptr && !b->iter_vars.empty()) {
      fail("block '{}' has iteration variables but no realization binding them", b->name);
    }
    if (realize != nullptr) {
      if (eval_int(realize->predicate) == 0) {
        block_stack_.pop_back();
        return;
      }
      std::vector<int64_t> values;
      for (const Expr& e : realize->iter_values) values.push_back(eval_int(e));
      for (size_t i = 0; i < b->iter_vars.size(); ++i) {
        const IterVar& iv = b->iter_vars[i];
        int64_t min = eval_int(iv.dom.min), extent = eval_int(iv.dom.extent);
        if (values[i] < min || values[i] >= min + extent) {
          fail("block '{}': iteration variable {} = {} is outside its domain [{}, {})", b->name,
               iv.var.name(), values[i], min, min + extent);
        }
        set_var(iv.var.get(), values[i]);
      }
    }
    for (const Buffer& a : b->alloc_buffers) allocate(a);
    for (const MatchBufferRegion& m : b->match_buffers) match(m);
    if (b->init.defined()) {
      bool first = true;
      for (const IterVar& iv : b->iter_vars) {
        if (iv.kind == IterKind::kReduce && eval_int(iv.var) != eval_int(iv.dom.min)) first = false;
      }
      if (first) exec(b->init);
    }
    exec(b->body);
    for (const Buffer& a : b->alloc_buffers) buffers_.erase(a.get());
    for (const MatchBufferRegion& m : b->match_buffers) buffers_.erase(m.buffer.get());
    for (const IterVar& iv : b->iter_vars) vars_.erase(iv.var.get());
    block_stack_.pop_back();
  }

  // A match buffer views the trailing dimensions of a region of another buffer.
  void match(const MatchBufferRegion& m) {
    const BufferBinding& source = binding(m.source.buffer);
    std::vector<int64_t> mins, extents;
    for (const Range& r : m.source.region) {
      mins.push_back(eval_int(r.min));
      extents.push_back(eval_int(r.extent));
    }
    std::vector<int64_t> shape = eval_shape(m.buffer);
    if (shape.size() > extents.size()) {
      fail("block '{}': match buffer '{}' has {} dimensions, its source region only {}", where(),
           m.buffer->name, shape.size(), extents.size());
    }
    const size_t lead = extents.size() - shape.size();
    for (size_t d = 0; d < extents.size(); ++d) {
      bool ok = d < lead ? extents[d] == 1 : extents[d] == shape[d - lead];
      if (!ok) {
        fail("{}: match buffer '{}' of shape [{}] does not fit region extents [{}]", where(),
             m.buffer->name, fmt::join(shape, ", "), fmt::join(extents, ", "));
      }
    }
    std::vector<int64_t> min_point(mins.begin(), mins.end());
    int64_t offset = flat_index(m.source.buffer, source, min_point, "region start of");
    BufferBinding view{source.array, shape, {}, offset + eval_int(m.buffer->elem_offset)};
    if (m.buffer->strides.empty()) {
      view.strides.assign(source.strides.begin() + static_cast<std::ptrdiff_t>(lead),
                          source.strides.end());
    } else {
      for (const Expr& s : m.buffer->strides) view.strides.push_back(eval_int(s));
    }
    buffers_[m.buffer.get()] = std::move(view);
  }

  int64_t eval_int(const Expr& e) {
    Value v = eval(e);
    if (v.count() != 1)
      fail("{}: expected a scalar, got a value of type {}", where(), v.dtype.str());
    if (v.dtype.is_floating())
      fail("{}: expected an integer, got {}: {}", where(), v.dtype.str(), print(e));
    return v.scalar.i;
  }

  Value eval(const Expr& e) {
    const DataType t = e.dtype();
    switch (e.kind()) {
      case ExprKind::kIntImm: {
        Value v = Value::of_type(t);
        v.scalar.i = e.as<IntImmNode>()->value;
        return v;
      }
      case ExprKind::kFloatImm: {
        Value v = Value::of_type(t);
        v.scalar.f = round_to_type(t, e.as<FloatImmNode>()->value);
        return v;
      }
      case ExprKind::kVar: {
        auto it = vars_.find(e.get());
        if (it == vars_.end())
          fail("{}: variable '{}' has no value here", where(), e.as<VarNode>()->name);
        return it->second;
      }
      case ExprKind::kNot: {
        Value v = eval(e.as<NotNode>()->a);
        for (int k = 0; k < v.count(); ++k) v.at(k).i = v.at(k).i == 0;
        return v;
      }
      case ExprKind::kSelect: {
        auto* s = e.as<SelectNode>();
        Value c = eval(s->condition), a = eval(s->true_value), b = eval(s->false_value);
        for (int k = 0; k < a.count(); ++k) {
          if ((c.count() == 1 ? c.scalar.i : c.at(k).i) == 0) a.at(k) = b.at(k);
        }
        return a;
      }
      case ExprKind::kCast: return cast(t, eval(e.as<CastNode>()->value));
      case ExprKind::kBufferLoad: return load(e.as<BufferLoadNode>(), t);
      case ExprKind::kCall: return call(e.as<CallNode>(), t);
      case ExprKind::kRamp: {
        auto* r = e.as<RampNode>();
        int64_t base = eval_int(r->base), stride = eval_int(r->stride);
        Value v = Value::of_type(t);
        for (int k = 0; k < r->lanes; ++k)
          v.at(k).i = wrap_to_type(t.element_of(), base + k * stride);
        return v;
      }
      case ExprKind::kBroadcast: {
        Value s = eval(e.as<BroadcastNode>()->value);
        Value v = Value::of_type(t);
        for (int k = 0; k < t.lanes(); ++k) v.at(k) = s.scalar;
        return v;
      }
      case ExprKind::kLet: {
        auto* l = e.as<LetNode>();
        vars_[l->var.get()] = eval(l->value);
        Value v = eval(l->body);
        vars_.erase(l->var.get());
        return v;
      }
      default: return binary(e, t);
    }
  }

  Value cast(DataType t, const Value& from) {
    Value v = Value::of_type(t);
    const DataType s = from.dtype.element_of(), d = t.element_of();
    for (int k = 0; k < t.lanes(); ++k) {
      const Lane& x = from.at(k);
      if (d.is_floating()) {
        v.at(k).f = round_to_type(d, s.is_floating() ? x.f : static_cast<double>(x.i));
      } else if (s.is_floating()) {
        if (!std::isfinite(x.f) || std::fabs(x.f) >= 9.2e18)
          fail("{}: cast of {} to {} is undefined", where(), x.f, d.str());
        v.at(k).i =
            d.is_bool() ? (x.f != 0) : wrap_to_type(d, static_cast<int64_t>(std::trunc(x.f)));
      } else {
        v.at(k).i = wrap_to_type(d, x.i);
      }
    }
    return v;
  }

  Value call(const CallNode* op, DataType t) {
    if (op->op == "if_then_else") {
      Value c = eval(op->args[0]);
      return c.scalar.i != 0 ? eval(op->args[1]) : eval(op->args[2]);
    }
    std::vector<Value> args;
    for (const Expr& a : op->args) args.push_back(eval(a));
    Value v = Value::of_type(t);
    const DataType el = t.element_of();
    for (int k = 0; k < t.lanes(); ++k) {
      auto f = [&](size_t i) { return args[i].at(k).f; };
      double r = 0;
      const std::string& name = op->op;
      if (name == "abs" && !el.is_floating()) {
        v.at(k).i = wrap_to_type(el, args[0].at(k).i < 0 ? -args[0].at(k).i : args[0].at(k).i);
        continue;
      }
      if (name == "exp")
        r = std::exp(f(0));
      else if (name == "log")
        r = std::log(f(0));
      else if (name == "sqrt")
        r = std::sqrt(f(0));
      else if (name == "tanh")
        r = std::tanh(f(0));
      else if (name == "sigmoid")
        r = 1.0 / (1.0 + std::exp(-f(0)));
      else if (name == "erf")
        r = std::erf(f(0));
      else if (name == "floor")
        r = std::floor(f(0));
      else if (name == "ceil")
        r = std::ceil(f(0));
      else if (name == "round")
        r = std::nearbyint(f(0));
      else if (name == "abs")
        r = std::fabs(f(0));
      else if (name == "pow")
        r = std::pow(f(0), f(1));
      else if (name == "fma")
        r = std::fma(f(0), f(1), f(2));
      else
        fail("{}: the reference interpreter cannot execute target intrinsic '{}'", where(), name);
      v.at(k).f = round_to_type(el, r);
    }
    return v;
  }

  Value binary(const Expr& e, DataType t) {
    const auto* op = e.as<BinaryNode>();
    Value a = eval(op->a), b = eval(op->b);
    const DataType operand = op->a.dtype().element_of();
    Value v = Value::of_type(t);
    const ExprKind kind = op->kind;
    for (int k = 0; k < t.lanes(); ++k) {
      const Lane &x = a.at(k), &y = b.at(k);
      Lane& out = v.at(k);
      if (is_comparison(kind)) {
        bool r = false;
        if (operand.is_floating()) {
          switch (kind) {
            case ExprKind::kEQ: r = x.f == y.f; break;
            case ExprKind::kNE: r = x.f != y.f; break;
            case ExprKind::kLT: r = x.f < y.f; break;
            case ExprKind::kLE: r = x.f <= y.f; break;
            case ExprKind::kGT: r = x.f > y.f; break;
            default: r = x.f >= y.f; break;
          }
        } else {
          switch (kind) {
            case ExprKind::kEQ: r = x.i == y.i; break;
            case ExprKind::kNE: r = x.i != y.i; break;
            case ExprKind::kLT: r = x.i < y.i; break;
            case ExprKind::kLE: r = x.i <= y.i; break;
            case ExprKind::kGT: r = x.i > y.i; break;
            default: r = x.i >= y.i; break;
          }
        }
        out.i = r;
        continue;
      }
      if (kind == ExprKind::kAnd || kind == ExprKind::kOr) {
        out.i = kind == ExprKind::kAnd ? (x.i != 0 && y.i != 0) : (x.i != 0 || y.i != 0);
        continue;
      }
      if (operand.is_floating()) {
        double r = 0;
        switch (kind) {
          case ExprKind::kAdd: r = x.f + y.f; break;
          case ExprKind::kSub: r = x.f - y.f; break;
          case ExprKind::kMul: r = x.f * y.f; break;
          case ExprKind::kDiv: r = x.f / y.f; break;
          case ExprKind::kMin: r = y.f < x.f ? y.f : x.f; break;
          case ExprKind::kMax: r = y.f > x.f ? y.f : x.f; break;
          default: fail("{}: {} on floating-point values", where(), expr_kind_name(kind));
        }
        out.f = round_to_type(operand, r);
        continue;
      }
      const bool divides = kind == ExprKind::kDiv || kind == ExprKind::kMod ||
                           kind == ExprKind::kFloorDiv || kind == ExprKind::kFloorMod;
      if (divides && y.i == 0) fail("{}: integer division by zero in {}", where(), print(e));
      int64_t r = 0;
      // Unsigned 64-bit arithmetic wraps without undefined behaviour; the result is then wrapped to
      // the type.
      const uint64_t ux = static_cast<uint64_t>(x.i), uy = static_cast<uint64_t>(y.i);
      switch (kind) {
        case ExprKind::kAdd: r = static_cast<int64_t>(ux + uy); break;
        case ExprKind::kSub: r = static_cast<int64_t>(ux - uy); break;
        case ExprKind::kMul: r = static_cast<int64_t>(ux * uy); break;
        case ExprKind::kDiv:
          r = (x.i == std::numeric_limits<int64_t>::min() && y.i == -1) ? x.i : x.i / y.i;
          break;
        case ExprKind::kMod: r = (y.i == -1) ? 0 : x.i % y.i; break;
        case ExprKind::kFloorDiv:
          r = (x.i == std::numeric_limits<int64_t>::min() && y.i == -1) ? x.i : floor_div(x.i, y.i);
          break;
        case ExprKind::kFloorMod: r = (y.i == -1) ? 0 : x.i - floor_div(x.i, y.i) * y.i; break;
        case ExprKind::kMin: r = y.i < x.i ? y.i : x.i; break;
        case ExprKind::kMax: r = y.i > x.i ? y.i : x.i; break;
        default: break;
      }
      out.i = wrap_to_type(operand, r);
    }
    return v;
  }
};

class StoreCollector : public IRVisitor {
 public:
  std::unordered_map<const BufferNode*, bool> written;

 protected:
  void visit_buffer_store(const BufferStoreNode* op) override {
    written[op->buffer.get()] = true;
    IRVisitor::visit_buffer_store(op);
  }
};

}  // namespace

std::vector<bool> written_params(const PrimFunc& func) {
  StoreCollector c;
  c.visit_func(func);
  std::vector<bool> out;
  for (const Buffer& b : func->params) out.push_back(c.written.count(b.get()) != 0);
  return out;
}

std::vector<NDArray> make_random_arguments(const PrimFunc& func, uint64_t seed) {
  std::vector<bool> written = written_params(func);
  std::vector<NDArray> args;
  for (size_t i = 0; i < func->params.size(); ++i) {
    const Buffer& b = func->params[i];
    NDArray a = NDArray::empty(b.const_shape(), b->dtype);
    if (written[i]) {
      if (b->dtype.is_floating()) {
        a.fill(std::numeric_limits<double>::quiet_NaN());
      } else {
        for (int64_t k = 0; k < a.size(); ++k) a.set_int(k, 0x5a5a5a5a5a5a5a5aLL);
      }
    } else if (b->dtype.is_floating()) {
      a.fill_random(seed * 1000003 + i, -1.0, 1.0);
    } else if (b->dtype.bits() <= 8) {
      a.fill_random(seed * 1000003 + i, -1e9, 1e9);  // clamped to the type's full range
    } else {
      a.fill_random(seed * 1000003 + i, -64, 64);
    }
    args.push_back(a);
  }
  return args;
}

void run_reference(const PrimFunc& func, std::vector<NDArray>& args) {
  if (args.size() != func->params.size()) {
    fail("function '{}' takes {} arguments, got {}", func->name, func->params.size(), args.size());
  }
  Interpreter interp;
  for (size_t i = 0; i < args.size(); ++i) interp.bind_param(func->params[i], args[i]);
  interp.exec(func->body);
}

}  // namespace tessera
