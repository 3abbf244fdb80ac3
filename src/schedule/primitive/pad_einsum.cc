// PadEinsum: the iteration space of an einsum-like block (every buffer indexed by
// iteration variables or constants: C[i, j] += A[i, k] * B[k, j]) is padded so that
// each extent becomes a multiple of the given factor (127 -> 128 for a factor of 16),
// so that later splits divide and vector loops need no predicate or tail.
//
// Inputs indexed by a padded variable are copied into <buffer>_pad blocks that write
// zeros past the old extent; the output, if a padded variable indexes it, is computed
// into <buffer>_pad and copied back by a block of that name. Padding a reduction
// variable adds terms computed from the zeros, so it is allowed only for a sum whose
// every term is a product with a factor read through that variable (the padded terms
// are then exactly 0); anything else (max, a sum of plain loads) is refused.
#include "../instruction_traits.h"

#include "tessera/ir/deep_equal.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/visitor.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct PadEinsumTraits : InstructionTraitsBase {
  static constexpr const char* kName = "PadEinsum";
  static constexpr const char* kMethod = "pad_einsum";
  static constexpr std::array<const char*, 2> kArguments = {"block", "padding"};
  static void apply(Schedule& sch, const BlockRV& block, const std::vector<int64_t>& padding) {
    sch.pad_einsum(block, padding);
  }
};
const InstructionRegistration registration = register_instruction<PadEinsumTraits>();
}  // namespace

namespace {

struct Access {
  Buffer buffer;
  std::vector<Expr> indices;
};

std::vector<Access> accesses_in(const Stmt& s) {
  class Collector : public IRVisitor {
   public:
    std::vector<Access> found;
    void visit_buffer_load(const BufferLoadNode* op) override {
      found.push_back({op->buffer, op->indices});
      IRVisitor::visit_buffer_load(op);
    }
    void visit_buffer_store(const BufferStoreNode* op) override {
      found.push_back({op->buffer, op->indices});
      IRVisitor::visit_buffer_store(op);
    }
    void visit_block(const BlockNode*) override {}
  } c;
  c.visit_stmt(s);
  return c.found;
}

// The factors of a product (through casts), or the expression itself.
void factors(const Expr& e, std::vector<Expr>& out) {
  if (const auto* b = e.as<BinaryNode>(); b && b->kind == ExprKind::kMul) {
    factors(b->a, out);
    factors(b->b, out);
  } else if (const auto* c = e.as<CastNode>()) {
    factors(c->value, out);
  } else {
    out.push_back(e);
  }
}

// Redirects loads/stores of the padded buffers, and gives the block its padded domain.
class PadRewriter : public IRMutator {
 public:
  std::map<const BufferNode*, Buffer> buffers;
  const BlockNode* target = nullptr;
  std::vector<IterVar> padded_vars;
  std::map<const ForNode*, int64_t> loop_extents;
  const StmtNode* anchor = nullptr;
  Stmt before, after;
  const BlockNode* scope = nullptr;
  std::vector<Buffer> allocs;

  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() != anchor) return IRMutator::mutate_stmt(s);
    Stmt rewritten = IRMutator::mutate_stmt(s);
    std::vector<Stmt> seq;
    if (before.defined()) seq.push_back(before);
    seq.push_back(rewritten);
    if (after.defined()) seq.push_back(after);
    return make_seq(seq);
  }

 protected:
  Buffer mutate_buffer(const Buffer& b) override {
    if (!inside_) return b;
    auto it = buffers.find(b.get());
    return it == buffers.end() ? b : it->second;
  }
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    auto it = loop_extents.find(op);
    if (it == loop_extents.end()) return IRMutator::mutate_for(op, s);
    Stmt body = mutate_stmt(op->body);
    return make_for(op->loop_var, op->min, make_int(it->second, op->loop_var.dtype()), op->for_kind,
                    body, op->thread_tag, op->annotations);
  }
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    if (op == target) {
      inside_ = true;
      Stmt out = IRMutator::mutate_block(op, s);
      inside_ = false;
      auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
      node->iter_vars = padded_vars;
      // Regions te simplified with the old domains (batch 1: `A[0, i]` for `A[vb, i]`)
      // no longer hold over the padded ones: infer them again from the body (found by
      // the lowering test, whose buffer compaction trusts the regions).
      node->reads = recompute_reads(node.get(), node->body);
      Analyzer az;
      for (const IterVar& iv : padded_vars) az.bind(iv.var, iv.dom);
      node->writes = infer_access_regions(node->body, AccessKind::kWrite, az);
      return Stmt(node);
    }
    Stmt out = IRMutator::mutate_block(op, s);
    if (op != scope) return out;
    auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
    node->alloc_buffers.insert(node->alloc_buffers.end(), allocs.begin(), allocs.end());
    return Stmt(node);
  }

 private:
  bool inside_ = false;
};

}  // namespace

void Schedule::pad_einsum(const BlockRV& block_rv, const std::vector<int64_t>& padding) {
  const std::string primitive = "pad_einsum";
  const BlockNode* b = get(block_rv);
  if (padding.size() != b->iter_vars.size()) {
    schedule_fail(
        *this, primitive,
        fmt::format("block '{}' has {} iteration variables but {} padding factors were given",
                    b->name, b->iter_vars.size(), padding.size()),
        b);
  }
  for (size_t i = 0; i < padding.size(); ++i) {
    if (padding[i] < 1)
      schedule_fail(*this, primitive,
                    fmt::format("padding factor {} is {}; factors must be positive", i, padding[i]),
                    b);
  }
  std::vector<const ForNode*> loops = trivial_loops(*this, primitive, b);
  if (b->writes.size() != 1)
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' writes {} buffers; an einsum writes one", b->name,
                              b->writes.size()),
                  b);
  const Buffer& output = b->writes[0].buffer;
  std::unordered_map<const VarNode*, size_t> var_index;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) var_index[b->iter_vars[i].var.get()] = i;
  std::vector<int64_t> extents, padded;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    extents.push_back(*as_const_int(b->iter_vars[i].dom.extent));
    padded.push_back((extents[i] + padding[i] - 1) / padding[i] * padding[i]);
  }
  auto is_padded = [&](const Expr& index) {
    const auto* v = index.as<VarNode>();
    return v != nullptr && var_index.count(v) != 0 &&
           padded[var_index.at(v)] != extents[var_index.at(v)];
  };
  // The einsum pattern: every index an iteration variable or a constant.
  std::vector<Access> accesses = accesses_in(b->body);
  if (b->init.defined()) {
    for (const Access& a : accesses_in(b->init)) accesses.push_back(a);
  }
  // In order of first access, so that the producers come out in a deterministic order.
  std::vector<std::pair<const BufferNode*, std::vector<Expr>>> pattern;
  for (const Access& a : accesses) {
    for (const Expr& x : a.indices) {
      const auto* v = x.as<VarNode>();
      if (!(v != nullptr && var_index.count(v) != 0) && !as_const_int(x)) {
        schedule_fail(*this, primitive,
                      fmt::format("block '{}' indexes '{}' with '{}'; an einsum indexes buffers by "
                                  "iteration variables "
                                  "or constants only",
                                  b->name, a.buffer->name, print(x)),
                      b);
      }
    }
    auto it = std::find_if(pattern.begin(), pattern.end(),
                           [&](const auto& p) { return p.first == a.buffer.get(); });
    if (it == pattern.end()) {
      pattern.push_back({a.buffer.get(), a.indices});
    } else {
      bool same = it->second.size() == a.indices.size();
      for (size_t d = 0; same && d < a.indices.size(); ++d)
        same = deep_equal(it->second[d], a.indices[d]);
      if (!same)
        schedule_fail(*this, primitive,
                      fmt::format("block '{}' accesses '{}' at two different points", b->name,
                                  a.buffer->name),
                      b);
    }
  }
  // A padded spatial variable must index the output: otherwise the padded iterations
  // redo (and re-initialize) the same elements (found by the random-schedule test).
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (b->iter_vars[i].kind != IterKind::kSpatial || padded[i] == extents[i]) continue;
    auto out = std::find_if(pattern.begin(), pattern.end(),
                            [&](const auto& p) { return p.first == output.get(); });
    bool indexes = out != pattern.end() &&
                   std::any_of(out->second.begin(), out->second.end(),
                               [&](const Expr& x) { return x.get() == b->iter_vars[i].var.get(); });
    if (!indexes) {
      schedule_fail(*this, primitive,
                    fmt::format("the spatial variable '{}' of block '{}' does not index its output "
                                "'{}'; padding it would "
                                "compute the same elements again",
                                b->iter_vars[i].var.name(), b->name, output->name),
                    b);
    }
  }
  // Padded reduction variables must only add zeros: C = C + (product with a padded factor).
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    if (b->iter_vars[i].kind != IterKind::kReduce || padded[i] == extents[i]) continue;
    const auto* store = b->body.as<BufferStoreNode>();
    const auto* sum = store ? store->value.as<BinaryNode>() : nullptr;
    const auto* self = sum && sum->kind == ExprKind::kAdd ? sum->a.as<BufferLoadNode>() : nullptr;
    bool zero_terms = self != nullptr && self->buffer.same_as(output);
    if (zero_terms) {
      std::vector<Expr> fs;
      factors(sum->b, fs);
      zero_terms = std::any_of(fs.begin(), fs.end(), [&](const Expr& f) {
        const auto* load = f.as<BufferLoadNode>();
        return load != nullptr &&
               std::any_of(load->indices.begin(), load->indices.end(),
                           [&](const Expr& x) { return x.get() == b->iter_vars[i].var.get(); });
      });
    }
    if (!zero_terms) {
      schedule_fail(
          *this, primitive,
          fmt::format("padding the reduction variable '{}' of block '{}' would add terms that are "
                      "not provably "
                      "zero; only a sum of products with a factor read through '{}' is padded",
                      b->iter_vars[i].var.name(), b->name, b->iter_vars[i].var.name()),
          b);
    }
  }

  PadRewriter rw;
  rw.target = b;
  rw.scope = state_.find_block(b->name)->scope;
  rw.anchor = nest_top(*this, b);
  std::set<std::string> names = used_names(*this);
  std::vector<Stmt> producers;
  for (const auto& [node, indices] : pattern) {
    if (std::none_of(indices.begin(), indices.end(), is_padded)) continue;
    const Buffer* buffer = nullptr;
    for (const Access& a : accesses) {
      if (a.buffer.get() == node) buffer = &a.buffer;
    }
    bool is_output = buffer->same_as(output);
    bool accumulates =
        std::any_of(b->reads.begin(), b->reads.end(),
                    [&](const BufferRegion& r) { return r.buffer.same_as(output); }) ||
        (!b->init.defined() &&
         std::any_of(b->iter_vars.begin(), b->iter_vars.end(),
                     [](const IterVar& iv) { return iv.kind == IterKind::kReduce; }));
    if (is_output && accumulates) {
      schedule_fail(*this, primitive,
                    fmt::format("block '{}' accumulates into what '{}' already holds (it has no "
                                "init); padding would compute "
                                "into a new buffer that holds nothing",
                                b->name, output->name),
                    b);
    }
    // The padded copy: a dimension indexed by a variable spans the variable's padded
    // extent; one indexed by a constant keeps the buffer's extent.
    std::vector<Expr> shape;
    std::vector<IterVar> copy_vars;
    std::vector<Expr> at, in_bounds;
    for (size_t d = 0; d < indices.size(); ++d) {
      DataType t = indices[d].dtype();
      Var v(fmt::format("v{}", d), t);
      int64_t extent;
      if (const auto* iv = indices[d].as<VarNode>()) {
        size_t k = var_index.at(iv);
        extent = is_output ? extents[k] : padded[k];
        // The block may guard its own reads (a padding stage reads past the buffer under
        // a condition); the copy reads only inside both the old extent and the buffer.
        auto dim = as_const_int((*buffer)->shape[d]);
        if (!dim)
          schedule_fail(*this, primitive,
                        fmt::format("'{}' has a non-constant shape", (*buffer)->name), b);
        int64_t limit = std::min(extents[k], *dim);
        if (!is_output && limit < padded[k]) in_bounds.push_back(lt(v, make_int(limit, t)));
      } else {
        extent = *as_const_int((*buffer)->shape[d]);
      }
      shape.push_back(make_int(
          indices[d].as<VarNode>() ? padded[var_index.at(indices[d].as<VarNode>())] : extent, t));
      copy_vars.push_back(
          IterVar{v, Range{make_int(0, t), make_int(extent, t)}, IterKind::kSpatial});
      at.push_back(v);
    }
    std::string name = fresh_name(names, (*buffer)->name + "_pad");
    Buffer pad = Buffer::make(name, (*buffer)->dtype, shape, {}, Expr(), (*buffer)->scope);
    rw.buffers[node] = pad;
    rw.allocs.push_back(pad);
    BlockFields f;
    f.name = name;
    f.iter_vars = copy_vars;
    if (is_output) {
      // Copy the valid part back.
      f.reads = {point_region(pad, at)};
      f.writes = {point_region(*buffer, at)};
      f.body = make_store(*buffer, make_load(pad, at), at);
      rw.after = spatial_nest(std::move(f));
    } else {
      Expr cond;
      for (const Expr& c : in_bounds) cond = cond.defined() ? logical_and(cond, c) : c;
      std::vector<Expr> src_at;
      for (size_t d = 0; d < at.size(); ++d) src_at.push_back(at[d]);
      // Where a dimension is padded, the source is read only inside its old extent.
      BufferRegion read = point_region(*buffer, src_at);
      f.reads = {read};
      f.writes = {point_region(pad, at)};
      Expr value = make_load(*buffer, src_at);
      f.body = make_store(
          pad,
          cond.defined() ? if_then_else(cond, value, literal_like((*buffer)->dtype, 0)) : value,
          at);
      producers.push_back(spatial_nest(std::move(f)));
    }
  }
  if (!producers.empty()) rw.before = make_seq(producers);
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    IterVar iv = b->iter_vars[i];
    DataType t = iv.var.dtype();
    iv.dom = Range{make_int(0, t), make_int(padded[i], t)};
    rw.padded_vars.push_back(iv);
    if (padded[i] != extents[i]) rw.loop_extents[loops[i]] = padded[i];
  }
  if (rw.loop_extents.empty()) {
    record_instruction<PadEinsumTraits>(*this, {}, block_rv, padding);  // nothing to pad
    return;
  }
  state_.replace_func(rw.mutate_func(func()), primitive);
  record_instruction<PadEinsumTraits>(*this, {}, block_rv, padding);
}

}  // namespace tessera
