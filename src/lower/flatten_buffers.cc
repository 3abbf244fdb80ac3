// flatten_buffers: every buffer (parameters and allocations) becomes one-dimensional,
// its accesses indexed by sum(index[d] * stride[d]) + elem_offset, with the strides
// storage_align chose or row-major ones. What the code generators index is then a
// plain pointer offset.
#include <limits>
#include <optional>
#include <unordered_map>

#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/lower/passes.h"
#include "tessera/support/error.h"

namespace tessera {

namespace {

struct Flat {
  Buffer buffer;              // the 1-D twin
  std::vector<Expr> strides;  // of the original dimensions
  Expr offset;
};

Flat flatten(const Buffer& b) {
  const size_t n = b.ndim();
  std::vector<Expr> strides(n);
  if (!b->strides.empty()) {
    strides = b->strides;
  } else if (n > 0) {
    strides[n - 1] = make_int(1, b->shape[n - 1].dtype());
    for (size_t d = n - 1; d-- > 0;) strides[d] = mul(strides[d + 1], b->shape[d + 1]);
  }
  // The span: the furthest element + 1 (row-major: the product of the shape).
  Expr span = b->elem_offset.defined() ? b->elem_offset : make_int(0);
  if (n == 0) {
    span = add(span, make_int(1));
  } else {
    Expr last = make_int(0, strides[0].dtype());
    for (size_t d = 0; d < n; ++d)
      last = add(last, mul(sub(b->shape[d], make_int(1, b->shape[d].dtype())), strides[d]));
    span = add(span, add(last, make_int(1, last.dtype())));
  }
  Buffer flat = Buffer::make(b->name, b->dtype, {span}, {}, Expr(), b->scope);
  return Flat{flat, strides, b->elem_offset};
}

class Flatten : public IRMutator {
 public:
  std::unordered_map<const BufferNode*, Flat> flat;

  const Flat& of(const Buffer& b) {
    auto it = flat.find(b.get());
    if (it == flat.end()) it = flat.emplace(b.get(), flatten(b)).first;
    return it->second;
  }

 protected:
  Expr index(const Buffer& b, const std::vector<Expr>& indices) {
    const Flat& f = of(b);
    if (indices.size() != f.strides.size())
      fail("flatten_buffers: '{}' is accessed with {} indices but has {} dimensions", b->name,
           indices.size(), f.strides.size());
    // The flat index has the widest type among the indices (an int64 index among int32
    // ones makes the sum int64), and int64 where the buffer outgrows int32.
    std::vector<Expr> mutated;
    DataType index_type = DataType::int32();
    for (const Expr& e : indices) {
      mutated.push_back(mutate_expr(e));
      if (mutated.back().dtype().bits() > index_type.bits()) index_type = mutated.back().dtype();
    }
    if (std::optional<int64_t> span = as_const_int(f.buffer->shape[0]);
        span && *span > std::numeric_limits<int32_t>::max()) {
      index_type = DataType::int64();
    }
    Expr out;
    for (size_t d = 0; d < indices.size(); ++d) {
      Expr i = mutated[d].dtype() == index_type ? mutated[d] : cast(index_type, mutated[d]);
      Expr term = is_const_int(f.strides[d], 1) ? i : mul(i, cast(index_type, f.strides[d]));
      out = out.defined() ? add(out, term) : term;
    }
    if (!out.defined()) out = make_int(0);
    if (f.offset.defined() && !is_const_int(f.offset, 0))
      out = add(out, cast(out.dtype(), f.offset));
    return out;
  }
  Expr mutate_buffer_load(const BufferLoadNode* op, const Expr&) override {
    return make_load(of(op->buffer).buffer, {index(op->buffer, op->indices)});
  }
  Stmt mutate_buffer_store(const BufferStoreNode* op, const Stmt&) override {
    return make_store(of(op->buffer).buffer, mutate_expr(op->value),
                      {index(op->buffer, op->indices)});
  }
  Stmt mutate_allocate(const AllocateNode* op, const Stmt&) override {
    return make_allocate(of(op->buffer).buffer, mutate_stmt(op->body));
  }
  Stmt mutate_block(const BlockNode* op, const Stmt&) override {
    fail("flatten_buffers: block '{}' remains; run remove_blocks first", op->name);
  }
};

}  // namespace

PrimFunc flatten_buffers(const PrimFunc& func) {
  Flatten pass;
  std::vector<Buffer> params;
  for (const Buffer& p : func->params) params.push_back(pass.of(p).buffer);
  Stmt body = pass.mutate_stmt(func->body);
  return PrimFunc::make(func->name, params, body, func->attrs);
}

}  // namespace tessera
