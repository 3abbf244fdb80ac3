// ReIndex: a block's access of a buffer becomes an access of a new buffer
// <buffer>_reindex at the block's own iteration point, and a new block copies between
// the two layouts (before the block's loop nest for a read, after it for a write).
// This is what makes an access "look like" the iteration space, the step before
// tensorization or a layout rewrite of the iteration space (im2col for a convolution).
#include "../instruction_traits.h"

#include "tessera/ir/deep_equal.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ReIndexTraits : InstructionTraitsBase {
  static constexpr const char* kName = "ReIndex";
  static constexpr const char* kMethod = "reindex";
  static constexpr std::array<const char*, 3> kArguments = {"block", "buffer index",
                                                            "buffer index kind"};
  static BlockRV apply(Schedule& sch, const BlockRV& block, int64_t buffer_index,
                       BufferIndexKind kind) {
    return sch.reindex(block, buffer_index, kind);
  }
};
const InstructionRegistration registration = register_instruction<ReIndexTraits>();
}  // namespace

namespace {

// Every index list with which `body` (and `init`) loads or stores `buffer`.
std::vector<std::vector<Expr>> accesses_of(const BlockNode* block, const Buffer& buffer) {
  class Collector : public IRVisitor {
   public:
    const BufferNode* target;
    std::vector<std::vector<Expr>> found;
    void visit_buffer_load(const BufferLoadNode* op) override {
      if (op->buffer.get() == target) found.push_back(op->indices);
      IRVisitor::visit_buffer_load(op);
    }
    void visit_buffer_store(const BufferStoreNode* op) override {
      if (op->buffer.get() == target) found.push_back(op->indices);
      IRVisitor::visit_buffer_store(op);
    }
    void visit_block(const BlockNode*) override {}  // nested blocks are theirs
  } collector;
  collector.target = buffer.get();
  collector.visit_stmt(block->body);
  if (block->init.defined()) collector.visit_stmt(block->init);
  return collector.found;
}

}  // namespace

BlockRV Schedule::reindex(const BlockRV& block_rv, int64_t buffer_index, BufferIndexKind kind) {
  const std::string primitive = "reindex";
  const BlockNode* b = get(block_rv);
  const bool read = kind == BufferIndexKind::kRead;
  const std::vector<BufferRegion>& regions = read ? b->reads : b->writes;
  const char* side = read ? "read" : "write";
  if (buffer_index < 0 || buffer_index >= static_cast<int64_t>(regions.size())) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' has {} {} regions; index {} is out of range", b->name,
                              regions.size(), side, buffer_index),
                  b);
  }
  const BufferRegion& region = regions[static_cast<size_t>(buffer_index)];
  const Buffer& buffer = region.buffer;
  for (const BufferRegion& r : read ? b->writes : b->reads) {
    if (r.buffer.same_as(buffer)) {
      schedule_fail(
          *this, primitive,
          fmt::format("block '{}' both reads and writes '{}'; a reindexed copy would separate them",
                      b->name, buffer->name),
          b);
    }
  }
  std::vector<std::vector<Expr>> accesses = accesses_of(b, buffer);
  if (accesses.empty())
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' lists '{}' but never accesses it", b->name, buffer->name),
                  b);
  for (const std::vector<Expr>& a : accesses) {
    bool same = a.size() == accesses[0].size();
    for (size_t d = 0; same && d < a.size(); ++d) same = deep_equal(a[d], accesses[0][d]);
    if (!same) {
      schedule_fail(
          *this, primitive,
          fmt::format(
              "block '{}' accesses '{}' at [{}] and at [{}]; reindex needs a single access pattern",
              b->name, buffer->name, print_indices(accesses[0]), print_indices(a)),
          b);
    }
  }
  const std::vector<Expr>& indices = accesses[0];
  // The new layout's dimensions: the iteration variables the indices use, in block order.
  std::vector<const IterVar*> used;
  for (const IterVar& iv : b->iter_vars) {
    if (std::any_of(indices.begin(), indices.end(),
                    [&](const Expr& e) { return uses_var(e, iv.var.get()); }))
      used.push_back(&iv);
  }
  if (used.empty())
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' accesses '{}' at [{}], which uses no iteration variable",
                              b->name, buffer->name, print_indices(indices)),
                  b);
  if (!read) dims_to_iter_vars(*this, primitive, b, point_region(buffer, indices));
  // The copy reads at every iteration point; a block that guards its read (a padding
  // stage) may index outside the buffer where the guard is false.
  if (read) {
    Analyzer az;
    for (const IterVar& iv : b->iter_vars) {
      auto mn = as_const_int(iv.dom.min), ex = as_const_int(iv.dom.extent);
      if (mn && ex && *ex > 0) az.bind(iv.var, *mn, *ex);
    }
    for (size_t d = 0; d < indices.size(); ++d) {
      if (!az.can_prove(make_binary(ExprKind::kLE, make_int(0, indices[d].dtype()), indices[d])) ||
          !az.can_prove(make_binary(ExprKind::kLT, indices[d], buffer->shape[d]))) {
        schedule_fail(*this, primitive,
                      fmt::format("block '{}' reads '{}' at [{}], which can fall outside the "
                                  "buffer (the block guards the "
                                  "read); a copy at every iteration point would read out of bounds",
                                  b->name, buffer->name, print_indices(indices)),
                      b);
      }
    }
  }
  // A write copied back over the whole domain must have been written over the whole
  // domain (a copy block covering part of its buffer's shape would copy back garbage;
  // found by lowering random schedules, which run without debug verification).
  if (!read) {
    const ScheduleState::BlockEntry* entry = state_.find_block(b->name);
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (std::find(used.begin(), used.end(), &b->iter_vars[i]) != used.end() &&
          !loops_cover_domain(*entry, i)) {
        schedule_fail(*this, primitive,
                      fmt::format("the loops of block '{}' do not make '{}' cover its domain; a "
                                  "copy back over the domain "
                                  "would write elements the block never wrote",
                                  b->name, b->iter_vars[i].var.name()),
                      b);
      }
    }
  }
  // Another block of the scope inside the same loops touching the buffer would run
  // between the block and its copy.
  const ScheduleState::BlockEntry* self = state_.find_block(b->name);
  const StmtNode* top = nest_top(*this, b);
  for (const BlockNode* o : state_.child_blocks(self->scope)) {
    if (o == b || nest_top(*this, o) != top) continue;
    auto touches = [&](const std::vector<BufferRegion>& rs) {
      return std::any_of(rs.begin(), rs.end(),
                         [&](const BufferRegion& r) { return r.buffer.same_as(buffer); });
    };
    if (touches(o->writes) || (!read && touches(o->reads))) {
      schedule_fail(*this, primitive,
                    fmt::format("block '{}' also accesses '{}' inside the loops of block '{}', so "
                                "the copy could not be placed "
                                "outside them",
                                o->name, buffer->name, b->name),
                    b);
    }
  }

  std::vector<Expr> shape, point;
  std::vector<IterVar> copy_vars;
  VarMap to_copy;
  for (const IterVar* iv : used) {
    if (!as_const_int(iv->dom.min) || !as_const_int(iv->dom.extent)) {
      schedule_fail(*this, primitive,
                    fmt::format("iteration variable '{}' of block '{}' has a non-constant domain",
                                iv->var.name(), b->name),
                    b);
    }
    shape.push_back(iv->dom.extent);
    point.push_back(is_const_int(iv->dom.min, 0)
                        ? Expr(iv->var)
                        : make_binary(ExprKind::kSub, iv->var, iv->dom.min));
    Var v(iv->var.name(), iv->var.dtype());
    copy_vars.push_back(IterVar{v, iv->dom, IterKind::kSpatial});
    to_copy[iv->var.get()] = v;
  }
  std::string name = fresh_name(*this, buffer->name + "_reindex");
  Buffer reindexed = Buffer::make(name, buffer->dtype, shape, {}, Expr(), buffer->scope);
  std::vector<Expr> copy_point, copy_indices;
  for (const Expr& p : point) copy_point.push_back(substitute(p, to_copy));
  for (const Expr& e : indices) copy_indices.push_back(substitute(e, to_copy));
  BlockFields f;
  f.name = name;
  f.iter_vars = copy_vars;
  if (read) {
    f.reads = {point_region(buffer, copy_indices)};
    f.writes = {point_region(reindexed, copy_point)};
    f.body = make_store(reindexed, make_load(buffer, copy_indices), copy_point);
  } else {
    f.reads = {point_region(reindexed, copy_point)};
    f.writes = {point_region(buffer, copy_indices)};
    f.body = make_store(buffer, make_load(reindexed, copy_point), copy_indices);
  }
  state_.replace_func(
      insert_stage(func(), StageEdit{b, buffer, reindexed, point, top, spatial_nest(std::move(f)),
                                     !read, self->scope}),
      primitive);
  BlockRV out = new_block_rv(name);
  record_instruction<ReIndexTraits>(*this, out, block_rv, buffer_index, kind);
  return out;
}

}  // namespace tessera
