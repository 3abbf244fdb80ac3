// TransformLayout: an intermediate buffer gets a new layout, its indices mapped by an
// IndexMap (a permutation, a split of an axis into tiles, a fusion ...); every access
// of it in the function (loads, stores, block regions) is rewritten. The map must be
// injective on the old shape; when it does not cover the new shape (a split whose
// factor does not divide the axis) the leftover elements are padding, and a
// `pad_value` is required: a block <buffer>_pad_fill writes it everywhere before the
// first writer runs, so padding reads as that value (a later pad_einsum or a vector
// loop over the padded extent may read it). Parameters keep the caller's layout:
// cache_read / cache_write a parameter first and transform the cache.
#include "../instruction_traits.h"

#include "tessera/arith/index_map.h"
#include "tessera/arith/int_set.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct TransformLayoutTraits : InstructionTraitsBase {
  static constexpr const char* kName = "TransformLayout";
  static constexpr const char* kMethod = "transform_layout";
  static constexpr std::array<const char*, 5> kArguments = {
      "block", "buffer index", "buffer index kind", "index map", "pad value"};
  static void apply(Schedule& sch, const BlockRV& block, int64_t buffer_index, BufferIndexKind kind,
                    const IndexMap& index_map, const std::optional<double>& pad_value) {
    sch.transform_layout(block, buffer_index, kind, index_map, pad_value);
  }
};
const InstructionRegistration registration = register_instruction<TransformLayoutTraits>();
}  // namespace

namespace {

class LayoutRewriter : public IRMutator {
 public:
  LayoutRewriter(const Buffer& from, const Buffer& to, const IndexMap& map,
                 const StmtNode* fill_anchor, Stmt fill)
      : from_(from), to_(to), map_(map), fill_anchor_(fill_anchor), fill_(std::move(fill)) {}

  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() != fill_anchor_) return IRMutator::mutate_stmt(s);
    return make_seq({fill_, IRMutator::mutate_stmt(s)});
  }

 protected:
  Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e) override {
    if (!op->buffer.same_as(from_)) return IRMutator::mutate_buffer_load(op, e);
    std::vector<Expr> indices;
    mutate_exprs(op->indices, &indices);
    return make_load(to_, map_.apply(indices, az_));
  }
  Stmt mutate_buffer_store(const BufferStoreNode* op, const Stmt& s) override {
    if (!op->buffer.same_as(from_)) return IRMutator::mutate_buffer_store(op, s);
    std::vector<Expr> indices;
    mutate_exprs(op->indices, &indices);
    return make_store(to_, mutate_expr(op->value), map_.apply(indices, az_));
  }
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    Stmt out = IRMutator::mutate_block(op, s);
    auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
    bool changed = false;
    for (std::vector<BufferRegion>* regions : {&node->reads, &node->writes}) {
      for (BufferRegion& r : *regions) {
        if (!r.buffer.same_as(from_)) continue;
        r = map_region(r);
        changed = true;
      }
    }
    for (Buffer& b : node->alloc_buffers) {
      if (b.same_as(from_)) {
        b = to_;
        changed = true;
      }
    }
    return changed ? Stmt(node) : out;
  }

 private:
  // The box of new indices an old region maps to: each output's range over the region.
  BufferRegion map_region(const BufferRegion& r) {
    std::vector<Expr> mins;
    RelaxMap relax;
    std::vector<Var> offsets;
    for (size_t d = 0; d < r.region.size(); ++d) {
      Var o(fmt::format("o{}", d), r.region[d].min.dtype());
      offsets.push_back(o);
      relax[o.get()] =
          IntSet::interval(make_int(0, o.dtype()), sub(r.region[d].extent, make_int(1, o.dtype())));
      mins.push_back(is_const_int(r.region[d].extent, 1) ? r.region[d].min
                                                         : add(r.region[d].min, o));
    }
    BufferRegion out{to_, {}};
    for (const Expr& e : map_.apply(mins, az_)) {
      IntSet set = eval_set(e, relax, az_);
      if (!set.has_lower_bound() || !set.has_upper_bound()) {
        fail("transform_layout: cannot bound index {} of the transformed region", print(e));
      }
      {
        out.region.push_back(
            Range{az_.simplify(set.min()),
                  az_.simplify(add(sub(set.max(), set.min()), make_int(1, e.dtype())))});
      }
    }
    return out;
  }

  const Buffer& from_;
  const Buffer& to_;
  const IndexMap& map_;
  const StmtNode* fill_anchor_;
  Stmt fill_;
  Analyzer az_;
};

}  // namespace

void Schedule::transform_layout(const BlockRV& block_rv, int64_t buffer_index, BufferIndexKind kind,
                                const IndexMap& index_map, std::optional<double> pad_value) {
  const std::string primitive = "transform_layout";
  const BlockNode* b = get(block_rv);
  const bool read = kind == BufferIndexKind::kRead;
  const std::vector<BufferRegion>& regions = read ? b->reads : b->writes;
  if (buffer_index < 0 || buffer_index >= static_cast<int64_t>(regions.size())) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' has {} {} regions; index {} is out of range", b->name,
                              regions.size(), read ? "read" : "write", buffer_index),
                  b);
  }
  const Buffer& buffer = regions[static_cast<size_t>(buffer_index)].buffer;
  for (const Buffer& p : func()->params) {
    if (p.same_as(buffer)) {
      schedule_fail(*this, primitive,
                    fmt::format("'{}' is a parameter, whose layout belongs to the caller; "
                                "cache_read or cache_write it "
                                "and transform the cache",
                                buffer->name),
                    b);
    }
  }
  std::vector<int64_t> shape;
  try {
    shape = buffer.const_shape();
  } catch (const Error& e) {
    schedule_fail(*this, primitive, e.message(), b);
  }
  const std::string map_text = index_map.to_string();
  if (index_map.inputs().size() != shape.size()) {
    schedule_fail(*this, primitive,
                  fmt::format("the index map {} takes {} indices but '{}' has {} dimensions",
                              map_text, index_map.inputs().size(), buffer->name, shape.size()),
                  b);
  }
  IndexMap::Analysis a = index_map.analyze(shape);
  if (!a.failure.empty())
    schedule_fail(*this, primitive,
                  fmt::format("index map {} on '{}': {}", map_text, buffer->name, a.failure), b);
  if (!a.injective) {
    schedule_fail(*this, primitive,
                  fmt::format("index map {} sends two elements of '{}' [{}] to the same place",
                              map_text, buffer->name, fmt::join(shape, ", ")),
                  b);
  }
  Buffer transformed = Buffer::make(
      buffer->name, buffer->dtype,
      [&] {
        std::vector<Expr> s;
        for (int64_t v : a.shape) s.push_back(make_int(v, buffer->shape[0].dtype()));
        return s;
      }(),
      {}, Expr(), buffer->scope);
  const StmtNode* anchor = nullptr;
  Stmt fill;
  if (!a.surjective) {
    if (!pad_value) {
      schedule_fail(
          *this, primitive,
          fmt::format(
              "index map {} maps '{}' [{}] into [{}] without covering it; give a pad_value for the "
              "padding",
              map_text, buffer->name, fmt::join(shape, ", "), fmt::join(a.shape, ", ")),
          b);
    }
    const BlockNode* first_writer = nullptr;
    for (const BlockNode* o : state_.blocks()) {
      bool writes = std::any_of(o->writes.begin(), o->writes.end(),
                                [&](const BufferRegion& w) { return w.buffer.same_as(buffer); });
      if (writes) {
        first_writer = o;
        break;
      }
    }
    if (first_writer == nullptr)
      schedule_fail(*this, primitive, fmt::format("no block writes '{}'", buffer->name), b);
    anchor = nest_top(*this, first_writer);
    BlockFields f;
    f.name = fresh_name(*this, buffer->name + "_pad_fill");
    std::vector<Expr> point;
    for (size_t d = 0; d < a.shape.size(); ++d) {
      DataType t = transformed->shape[d].dtype();
      Var v(fmt::format("v{}", d), t);
      f.iter_vars.push_back(
          IterVar{v, Range{make_int(0, t), make_int(a.shape[d], t)}, IterKind::kSpatial});
      point.push_back(v);
    }
    BufferRegion w{transformed, {}};
    for (const Expr& p : point) w.region.push_back(Range{p, make_int(1, p.dtype())});
    f.writes = {w};
    f.body = make_store(transformed, literal_like(buffer->dtype, *pad_value), point);
    fill = spatial_nest(std::move(f));
  }
  for (const BlockNode* o : state_.blocks()) {
    for (const MatchBufferRegion& m : o->match_buffers) {
      if (m.source.buffer.same_as(buffer)) {
        schedule_fail(
            *this, primitive,
            fmt::format(
                "block '{}' matches a view of '{}'; its layout cannot change under the view",
                o->name, buffer->name),
            o);
      }
    }
  }
  LayoutRewriter rewriter(buffer, transformed, index_map, anchor, fill);
  state_.replace_func(rewriter.mutate_func(func()), primitive);
  record_instruction<TransformLayoutTraits>(*this, {}, block_rv, buffer_index, kind, index_map,
                                            pad_value);
}

}  // namespace tessera
