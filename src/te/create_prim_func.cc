// Lowers te stages to a PrimFunc: one loop nest and one block per stage.
#include <set>

#include "tessera/arith/region.h"
#include "tessera/ir/substitute.h"
#include "tessera/support/error.h"
#include "tessera/te/tensor.h"

namespace tessera::te {
namespace {

Expr combine(Combiner c, Expr acc, Expr value) {
  switch (c) {
    case Combiner::kSum: return make_binary(ExprKind::kAdd, std::move(acc), std::move(value));
    case Combiner::kMax: return make_binary(ExprKind::kMax, std::move(acc), std::move(value));
    case Combiner::kMin: return make_binary(ExprKind::kMin, std::move(acc), std::move(value));
  }
  return acc;
}

Stmt stage_nest(const TensorNode& t) {
  std::vector<IterVar> axes = t.axes;
  const std::optional<Reduction>& reduction = t.body->reduction();
  if (reduction) axes.insert(axes.end(), reduction->axes.begin(), reduction->axes.end());

  VarMap to_iter;
  std::vector<IterVar> iter_vars;
  std::vector<Var> loop_vars;
  std::vector<Expr> point;
  std::set<std::string> names;
  for (const IterVar& axis : axes) {
    if (to_iter.count(axis.var.get()) != 0)
      fail("stage '{}': axis '{}' is used twice", t.name, axis.var.name());
    Var iv("v" + axis.var.name());
    iter_vars.push_back(IterVar{iv, axis.dom, axis.kind});
    loop_vars.push_back(Var(axis.var.name()));
    to_iter[axis.var.get()] = iv;
    if (axis.kind == IterKind::kSpatial) point.push_back(iv);
  }

  Expr value = substitute(reduction ? reduction->source : t.body->value(), to_iter);
  if (value.dtype() != t.dtype)
    fail("stage '{}': value of type {} for a tensor of {}", t.name, value.dtype().str(),
         t.dtype.str());
  BlockFields f;
  f.name = t.name;
  f.iter_vars = iter_vars;
  Analyzer az;
  for (const IterVar& iv : iter_vars) az.bind(iv.var, iv.dom);
  f.reads = infer_access_regions(value, az);
  BufferRegion write{t.buffer, {}};
  for (const Expr& p : point) write.region.push_back(Range{p, make_int(1)});
  f.writes = {write};
  if (reduction) {
    f.init = make_store(t.buffer, reduction_identity(reduction->combiner, t.dtype), point);
    f.body = make_store(t.buffer, combine(reduction->combiner, make_load(t.buffer, point), value),
                        point);
  } else {
    f.body = make_store(t.buffer, value, point);
  }
  std::vector<Expr> bindings(loop_vars.begin(), loop_vars.end());
  Stmt nest = make_block_realize(bindings, make_bool(true), make_block(std::move(f)));
  for (size_t i = axes.size(); i-- > 0;) {
    nest = make_for(loop_vars[i], axes[i].dom.min, axes[i].dom.extent, ForKind::kSerial, nest);
  }
  return nest;
}

void post_order(const Tensor& t, std::set<const TensorNode*>& seen, std::vector<Tensor>& order) {
  if (!seen.insert(t.get()).second) return;
  for (const Tensor& input : t->inputs) post_order(input, seen, order);
  order.push_back(t);
}

}  // namespace

PrimFunc create_prim_func(const std::vector<Tensor>& args, std::string name) {
  std::set<const TensorNode*> is_arg;
  std::vector<Buffer> params;
  for (const Tensor& t : args) {
    if (!t.defined()) fail("create_prim_func '{}': an argument is missing", name);
    if (!is_arg.insert(t.get()).second)
      fail("create_prim_func '{}': tensor '{}' is an argument twice", name, t->name);
    params.push_back(t->buffer);
  }
  std::set<const TensorNode*> seen;
  std::vector<Tensor> order;
  for (const Tensor& t : args) post_order(t, seen, order);

  std::vector<Stmt> nests;
  std::vector<Buffer> intermediates;
  std::set<std::string> stage_names;
  for (const Tensor& t : order) {
    if (t.is_placeholder()) {
      if (is_arg.count(t.get()) == 0)
        fail("create_prim_func '{}': placeholder '{}' is read but is not an argument", name,
             t->name);
      continue;
    }
    if (!stage_names.insert(t->name).second)
      fail("create_prim_func '{}': two stages are named '{}'", name, t->name);
    if (is_arg.count(t.get()) == 0) intermediates.push_back(t->buffer);
    nests.push_back(stage_nest(*t.get()));
  }
  if (nests.empty()) fail("create_prim_func '{}': no compute stage among the arguments", name);
  BlockFields root;
  root.name = "root";
  root.body = make_seq(std::move(nests));
  root.alloc_buffers = std::move(intermediates);
  Stmt body = make_block_realize({}, make_bool(true), make_block(std::move(root)));
  Annotations attrs{{"global_symbol", name}};
  return PrimFunc::make(std::move(name), std::move(params), std::move(body), std::move(attrs));
}

}  // namespace tessera::te
