#include "tessera/te/tensor.h"

#include <limits>
#include <mutex>
#include <unordered_map>

#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera::te {
namespace {

// Loads in a stage body name buffers; this maps each stage's buffer back to its
// tensor so compute() can record which tensors a stage reads.
class TensorTable {
 public:
  void add(const std::shared_ptr<const TensorNode>& t) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (table_.size() > 4096) {
      for (auto it = table_.begin(); it != table_.end();)
        it = it->second.expired() ? table_.erase(it) : std::next(it);
    }
    table_[t->buffer.get()] = t;
  }
  std::shared_ptr<const TensorNode> find(const BufferNode* b) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = table_.find(b);
    return it == table_.end() ? nullptr : it->second.lock();
  }

 private:
  std::mutex mutex_;
  std::unordered_map<const BufferNode*, std::weak_ptr<const TensorNode>> table_;
};

TensorTable& tensor_table() {
  static TensorTable table;
  return table;
}

std::vector<Expr> const_shape(const std::vector<int64_t>& shape, const std::string& name) {
  std::vector<Expr> out;
  for (int64_t d : shape) {
    if (d <= 0) fail("tensor '{}': dimension {} must be positive", name, d);
    if (d > std::numeric_limits<int32_t>::max())
      fail("tensor '{}': dimension {} does not fit in int32", name, d);
    out.push_back(make_int(d));
  }
  return out;
}

class LoadCollector : public IRVisitor {
 public:
  std::vector<const BufferNode*> buffers;

 protected:
  void visit_buffer_load(const BufferLoadNode* op) override {
    if (std::find(buffers.begin(), buffers.end(), op->buffer.get()) == buffers.end())
      buffers.push_back(op->buffer.get());
    IRVisitor::visit_buffer_load(op);
  }
};

}  // namespace

Reduction sum(Expr source, std::vector<IterVar> axes) {
  return {Combiner::kSum, std::move(source), std::move(axes)};
}
Reduction max(Expr source, std::vector<IterVar> axes) {
  return {Combiner::kMax, std::move(source), std::move(axes)};
}
Reduction min(Expr source, std::vector<IterVar> axes) {
  return {Combiner::kMin, std::move(source), std::move(axes)};
}

Expr reduction_identity(Combiner combiner, DataType dtype) {
  if (combiner == Combiner::kSum) return make_const(dtype, 0);
  const bool lowest = combiner == Combiner::kMax;
  if (dtype.is_floating()) {
    double inf = std::numeric_limits<double>::infinity();
    return make_float(lowest ? -inf : inf, dtype);
  }
  if (dtype.is_bool()) return make_bool(!lowest);
  if (dtype.is_int()) {
    int64_t hi = dtype.bits() == 64 ? std::numeric_limits<int64_t>::max()
                                    : (int64_t{1} << (dtype.bits() - 1)) - 1;
    return make_int(lowest ? -hi - 1 : hi, dtype);
  }
  int64_t hi =
      dtype.bits() >= 63 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << dtype.bits()) - 1;
  return make_int(lowest ? 0 : hi, dtype);
}

IterVar reduce_axis(int64_t extent, std::string name) {
  if (extent <= 0) fail("reduce axis '{}': extent {} must be positive", name, extent);
  return IterVar{Var(std::move(name)), Range{make_int(0), make_int(extent)}, IterKind::kReduce};
}

Expr Tensor::operator()(std::vector<Expr> indices) const {
  if (indices.size() != ndim()) {
    fail("tensor '{}' has {} dimensions, indexed with {}", node_->name, ndim(), indices.size());
  }
  return make_load(node_->buffer, std::move(indices));
}

Tensor placeholder(std::vector<int64_t> shape, DataType dtype, std::string name) {
  auto node = std::make_shared<TensorNode>();
  node->buffer = Buffer::make(name, dtype, const_shape(shape, name));
  node->name = std::move(name);
  node->shape = std::move(shape);
  node->dtype = dtype;
  tensor_table().add(node);
  return Tensor(node);
}

Tensor compute(std::vector<int64_t> shape, const std::function<ComputeBody(const Axes&)>& fn,
               std::string name, std::vector<std::string> axis_names) {
  if (!axis_names.empty() && axis_names.size() != shape.size()) {
    fail("compute '{}': {} axis names for {} dimensions", name, axis_names.size(), shape.size());
  }
  auto node = std::make_shared<TensorNode>();
  Axes axes;
  for (size_t i = 0; i < shape.size(); ++i) {
    std::string axis = axis_names.empty() ? "i" + std::to_string(i) : axis_names[i];
    if (shape[i] <= 0)
      fail("compute '{}': extent {} of axis '{}' must be positive", name, shape[i], axis);
    axes.push_back(Var(axis));
    node->axes.push_back(
        IterVar{axes.back(), Range{make_int(0), make_int(shape[i])}, IterKind::kSpatial});
  }
  ComputeBody body = fn(axes);
  if (body.reduction()) {
    if (body.reduction()->axes.empty())
      fail("compute '{}': a reduction needs at least one reduction axis", name);
    if (!body.reduction()->source.defined())
      fail("compute '{}': reduction source is missing", name);
  } else if (!body.value().defined()) {
    fail("compute '{}': the body returned no value", name);
  }
  node->dtype = body.dtype();
  if (!node->dtype.is_scalar())
    fail("compute '{}': value of vector type {}", name, node->dtype.str());
  node->buffer = Buffer::make(name, node->dtype, const_shape(shape, name));
  LoadCollector loads;
  loads.visit_expr(body.reduction() ? body.reduction()->source : body.value());
  for (const BufferNode* b : loads.buffers) {
    auto input = tensor_table().find(b);
    if (!input) fail("compute '{}' reads buffer '{}', which is not a tensor", name, b->name);
    node->inputs.push_back(Tensor(input));
  }
  node->name = std::move(name);
  node->shape = std::move(shape);
  node->body = std::move(body);
  tensor_table().add(node);
  return Tensor(node);
}

}  // namespace tessera::te
