// ComputeInline: a block computing B[v...] = f(v...) from other buffers is folded
// into every block that reads B (each load B[idx] becomes f(idx)) and removed.
#include "../instruction_traits.h"

#include "tessera/ir/mutator.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ComputeInlineTraits : InstructionTraitsBase {
  static constexpr const char* kName = "ComputeInline";
  static constexpr const char* kMethod = "compute_inline";
  static constexpr std::array<const char*, 1> kArguments = {"block"};
  static void apply(Schedule& sch, const BlockRV& block) { sch.compute_inline(block); }
};
const InstructionRegistration registration = register_instruction<ComputeInlineTraits>();
}  // namespace

namespace {

class Inliner : public IRMutator {
 public:
  Inliner(const Buffer& buffer, std::vector<Var> vars, Expr value, const StmtNode* remove)
      : buffer_(buffer), vars_(std::move(vars)), value_(std::move(value)), remove_(remove) {}

  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() == remove_) return make_seq({});
    return IRMutator::mutate_stmt(s);
  }

 protected:
  Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e) override {
    if (!op->buffer.same_as(buffer_)) return IRMutator::mutate_buffer_load(op, e);
    VarMap map;
    for (size_t i = 0; i < vars_.size(); ++i) map[vars_[i].get()] = mutate_expr(op->indices[i]);
    return substitute(value_, map);
  }

  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    Stmt body = mutate_stmt(op->body);
    Stmt init = op->init.defined() ? mutate_stmt(op->init) : Stmt();
    bool allocs_changed = false;
    std::vector<Buffer> allocs;
    for (const Buffer& b : op->alloc_buffers) {
      if (b.same_as(buffer_)) {
        allocs_changed = true;
      } else {
        allocs.push_back(b);
      }
    }
    if (body.same_as(op->body) && init.same_as(op->init) && !allocs_changed) return s;
    auto node = std::make_shared<BlockNode>(*op);
    node->body = body;
    node->init = init;
    node->alloc_buffers = std::move(allocs);
    if (!body.same_as(op->body) && !op->iter_vars.empty()) node->reads = recompute_reads(op, body);
    return Stmt(node);
  }

 private:
  const Buffer& buffer_;
  std::vector<Var> vars_;
  Expr value_;
  const StmtNode* remove_;
};

}  // namespace

void Schedule::compute_inline(const BlockRV& block_rv) {
  const BlockNode* b = get(block_rv);
  const std::string& name = b->name;
  const auto* store = b->body.as<BufferStoreNode>();
  if (store == nullptr || b->init.defined() || b->writes.size() != 1) {
    schedule_fail(
        *this, "compute_inline",
        fmt::format("block '{}' is not a single store of one buffer (B[v...] = ...;)", name), b);
  }
  for (const IterVar& iv : b->iter_vars) {
    if (iv.kind != IterKind::kSpatial) {
      schedule_fail(
          *this, "compute_inline",
          fmt::format(
              "block '{}' has the reduction variable '{}'; only spatial blocks can be inlined",
              name, iv.var.name()),
          b);
    }
  }
  std::vector<Var> vars;
  for (const Expr& index : store->indices) {
    const auto* v = index.as<VarNode>();
    bool is_iter =
        v != nullptr && std::any_of(b->iter_vars.begin(), b->iter_vars.end(),
                                    [&](const IterVar& iv) { return iv.var.get() == v; });
    bool repeated = v != nullptr && std::any_of(vars.begin(), vars.end(),
                                                [&](const Var& x) { return x.get() == v; });
    if (!is_iter || repeated) {
      schedule_fail(
          *this, "compute_inline",
          fmt::format(
              "block '{}' stores to {}[{}]: the indices must be distinct iteration variables", name,
              store->buffer->name, print_indices(store->indices)),
          b);
    }
    vars.push_back(Var::from_expr(index));
  }
  if (vars.size() != b->iter_vars.size()) {
    schedule_fail(
        *this, "compute_inline",
        fmt::format("block '{}' does not index its output with every iteration variable", name), b);
  }
  const Buffer& buffer = store->buffer;
  for (const Buffer& p : func()->params) {
    if (p.same_as(buffer)) {
      schedule_fail(
          *this, "compute_inline",
          fmt::format("block '{}' writes '{}', a parameter of the function; its result must stay",
                      name, buffer->name),
          b);
    }
  }
  for (const BufferRegion& r : b->reads) {
    if (r.buffer.same_as(buffer))
      schedule_fail(*this, "compute_inline",
                    fmt::format("block '{}' reads the buffer it writes", name), b);
  }
  for (const BlockNode* other : state_.blocks()) {
    if (other == b) continue;
    for (const BufferRegion& w : other->writes) {
      if (w.buffer.same_as(buffer)) {
        schedule_fail(*this, "compute_inline",
                      fmt::format("block '{}' also writes '{}'", other->name, buffer->name), other);
      }
    }
  }
  Inliner inliner(buffer, vars, store->value, exclusive_subtree(*this, "compute_inline", b));
  state_.replace_func(inliner.mutate_func(func()), "compute_inline");
  record_instruction<ComputeInlineTraits>(*this, {}, block_rv);
}

}  // namespace tessera
