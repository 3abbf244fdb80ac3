// The tensor-expression builder: describe an operator as stages over tensors,
// then turn the stages into a PrimFunc with one block per stage.
//
//   using namespace tessera::te;
//   Tensor A = placeholder({512, 512}, DataType::float32(), "A");
//   Tensor B = placeholder({512, 512}, DataType::float32(), "B");
//   IterVar k = reduce_axis(512, "k");
//   Tensor C = compute({512, 512}, [&](const Axes& x) { return sum(A(x[0], k) * B(k, x[1]), {k});
//   },
//                      "C", {"i", "j"});
//   PrimFunc f = create_prim_func({A, B, C}, "gemm");
//
// The block of a stage is named after its tensor; its loops are named after the
// stage's axes (spatial axes first, then reduction axes in the order given), and
// the block's iteration variables are "v" + axis name.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/ir/op.h"

namespace tessera::te {

/// How a reduction combines values.
enum class Combiner { kSum, kMax, kMin };

/// A reduction over one or more reduction axes: combiner(source over axes).
struct Reduction {
  Combiner combiner;
  Expr source;
  std::vector<IterVar> axes;
};

Reduction sum(Expr source, std::vector<IterVar> axes);
Reduction max(Expr source, std::vector<IterVar> axes);
Reduction min(Expr source, std::vector<IterVar> axes);
/// The identity of a combiner for a type: 0 for sum, the lowest value for max, the highest for min.
Expr reduction_identity(Combiner combiner, DataType dtype);

/// A reduction axis over [0, extent) (or the given range).
IterVar reduce_axis(int64_t extent, std::string name);

/// What a compute stage produces at one point: a plain value or a reduction.
class ComputeBody {
 public:
  ComputeBody(Expr value) : value_(std::move(value)) {}                   // NOLINT(implicit)
  ComputeBody(Reduction reduction) : reduction_(std::move(reduction)) {}  // NOLINT(implicit)
  const Expr& value() const { return value_; }
  const std::optional<Reduction>& reduction() const { return reduction_; }
  DataType dtype() const { return reduction_ ? reduction_->source.dtype() : value_.dtype(); }

 private:
  Expr value_;
  std::optional<Reduction> reduction_;
};

/// The spatial axes of a stage, as variables, passed to its body function.
using Axes = std::vector<Var>;

class Tensor;

struct TensorNode {
  std::string name;
  std::vector<int64_t> shape;
  DataType dtype;
  Buffer buffer;                    // the buffer the stage writes (or the input buffer)
  std::vector<IterVar> axes;        // spatial axes (compute stages only)
  std::optional<ComputeBody> body;  // absent for placeholders
  std::vector<Tensor> inputs;       // tensors the body reads, in first-use order
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<const TensorNode> node) : node_(std::move(node)) {}

  const TensorNode* operator->() const { return node_.get(); }
  const TensorNode* get() const { return node_.get(); }
  bool defined() const { return node_ != nullptr; }
  bool is_placeholder() const { return !node_->body.has_value(); }
  size_t ndim() const { return node_->shape.size(); }

  /// An element of the tensor: A(i, k). Indices are Exprs or integers.
  Expr operator()(std::vector<Expr> indices) const;
  template <typename... Index>
  Expr operator()(Index... index) const {
    return (*this)(std::vector<Expr>{to_index(index)...});
  }

 private:
  static Expr to_index(const Expr& e) { return e; }
  static Expr to_index(int64_t v) { return make_int(v); }
  static Expr to_index(int v) { return make_int(v); }
  std::shared_ptr<const TensorNode> node_;
};

Tensor placeholder(std::vector<int64_t> shape, DataType dtype, std::string name);

/// A stage computing every point of `shape` with `fn`. `axis_names` names the
/// spatial axes (default i0, i1, ...).
Tensor compute(std::vector<int64_t> shape, const std::function<ComputeBody(const Axes&)>& fn,
               std::string name, std::vector<std::string> axis_names = {});

/// A PrimFunc with one block per stage reachable from `args`, in dependency order.
/// `args` become the parameters, in order; every placeholder a stage reads must be
/// among them. Intermediate stages become buffers allocated by the root block.
PrimFunc create_prim_func(const std::vector<Tensor>& args, std::string name);

}  // namespace tessera::te
