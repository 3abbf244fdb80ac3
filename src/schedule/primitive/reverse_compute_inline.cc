// ReverseComputeInline: a consumer block D[g(v)] = f(B[v...], ...) whose only input
// from its producer is B read at its own iteration point is folded into the
// producer B[h(u)] = e(u): the producer then stores D[g(h(u))] = f(e(u), ...), and
// the consumer and (when nothing else uses it) B disappear.
#include "../instruction_traits.h"

#include "tessera/ir/printer.h"

#include "tessera/ir/mutator.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct ReverseComputeInlineTraits : InstructionTraitsBase {
  static constexpr const char* kName = "ReverseComputeInline";
  static constexpr const char* kMethod = "reverse_compute_inline";
  static constexpr std::array<const char*, 1> kArguments = {"block"};
  static void apply(Schedule& sch, const BlockRV& block) { sch.reverse_compute_inline(block); }
};
const InstructionRegistration registration = register_instruction<ReverseComputeInlineTraits>();
}  // namespace

void Schedule::reverse_compute_inline(const BlockRV& block_rv) {
  const std::string primitive = "reverse_compute_inline";
  const BlockNode* c = get(block_rv);
  const auto* store = c->body.as<BufferStoreNode>();
  if (store == nullptr || c->init.defined()) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' is not a single store (D[...] = ...;)", c->name), c);
  }
  for (const IterVar& iv : c->iter_vars) {
    if (iv.kind != IterKind::kSpatial)
      schedule_fail(
          *this, primitive,
          fmt::format("block '{}' has the reduction variable '{}'", c->name, iv.var.name()), c);
  }
  std::vector<const BlockNode*> producers = state().producers(c);
  if (producers.size() != 1) {
    schedule_fail(*this, primitive,
                  fmt::format("block '{}' has {} producer blocks; it needs exactly one", c->name,
                              producers.size()),
                  c);
  }
  const BlockNode* p = producers[0];
  const auto* produce = p->body.as<BufferStoreNode>();
  if (produce == nullptr || p->init.defined() ||
      std::any_of(p->iter_vars.begin(), p->iter_vars.end(),
                  [](const IterVar& iv) { return iv.kind != IterKind::kSpatial; })) {
    schedule_fail(
        *this, primitive,
        fmt::format(
            "producer '{}' of block '{}' is not a complete spatial block with a single store "
            "(inlining into a reduction would apply the consumer to partial results)",
            p->name, c->name),
        p);
  }
  const Buffer& b = produce->buffer;
  for (const Buffer& param : func()->params) {
    if (param.same_as(b))
      schedule_fail(
          *this, primitive,
          fmt::format("'{}' is a parameter of the function; its values must stay", b->name), p);
  }
  for (const BlockNode* other : state_.blocks()) {
    if (other == c || other == p) continue;
    for (const BufferRegion& r : other->reads) {
      if (r.buffer.same_as(b))
        schedule_fail(*this, primitive,
                      fmt::format("block '{}' also reads '{}'", other->name, b->name), other);
    }
  }
  // The consumer's stores move up to the producer's place: no block in between may
  // touch what the consumer writes (a padding fill there would overwrite it; found by
  // the random-schedule test).
  const int p_order = state_.find_block(p->name)->order,
            c_order = state_.find_block(c->name)->order;
  for (const BlockNode* other : state_.blocks()) {
    const int order = state_.find_block(other->name)->order;
    if (order <= p_order || order >= c_order) continue;
    for (const BufferRegion& w : c->writes) {
      auto touches = [&](const std::vector<BufferRegion>& rs) {
        return std::any_of(rs.begin(), rs.end(),
                           [&](const BufferRegion& r) { return r.buffer.same_as(w.buffer); });
      };
      if (touches(other->reads) || touches(other->writes)) {
        schedule_fail(
            *this, primitive,
            fmt::format(
                "block '{}' runs between producer '{}' and block '{}' and uses '{}'; folding the "
                "consumer into the producer would reorder them",
                other->name, p->name, c->name, w.buffer->name),
            other);
      }
    }
  }
  // Every load of B in the consumer is B[v...] at the consumer's own point.
  std::vector<Expr> point;
  bool ok = true;
  std::function<void(const Expr&)> scan = [&](const Expr& e) {
    if (const auto* load = e.as<BufferLoadNode>()) {
      if (load->buffer.same_as(b)) {
        if (point.empty()) point = load->indices;
        for (size_t i = 0; i < load->indices.size(); ++i)
          ok = ok && load->indices[i].same_as(point[i]);
      }
      for (const Expr& i : load->indices) scan(i);
    } else if (const auto* bin = e.as<BinaryNode>()) {
      scan(bin->a);
      scan(bin->b);
    } else if (const auto* call = e.as<CallNode>()) {
      for (const Expr& a : call->args) scan(a);
    } else if (const auto* sel = e.as<SelectNode>()) {
      scan(sel->condition);
      scan(sel->true_value);
      scan(sel->false_value);
    } else if (const auto* cast = e.as<CastNode>()) {
      scan(cast->value);
    }
  };
  scan(store->value);
  VarMap to_producer;
  for (size_t d = 0; ok && d < point.size(); ++d) {
    const auto* v = point[d].as<VarNode>();
    ok = v != nullptr && to_producer.count(v) == 0 &&
         std::any_of(c->iter_vars.begin(), c->iter_vars.end(),
                     [&](const IterVar& iv) { return iv.var.get() == v; });
    if (ok) to_producer[v] = produce->indices[d];
  }
  if (!ok || point.empty() || to_producer.size() != c->iter_vars.size()) {
    schedule_fail(
        *this, primitive,
        fmt::format(
            "block '{}' must read '{}' only at its own iteration point, indexed by each of its "
            "iteration variables once",
            c->name, b->name),
        c);
  }
  // The producer must not compute points the consumer never visits (a producer padded
  // past the consumer's domain): folded in, it would store them too (found by the
  // random-schedule test with pad_einsum).
  {
    Analyzer bounds;
    for (const IterVar& iv : p->iter_vars) bounds.bind(iv.var, iv.dom);
    for (const IterVar& iv : c->iter_vars) {
      auto it = to_producer.find(iv.var.get());
      if (it == to_producer.end()) continue;
      Expr end = make_binary(ExprKind::kAdd, iv.dom.min, iv.dom.extent);
      if (!bounds.can_prove(make_binary(ExprKind::kLE, iv.dom.min, it->second)) ||
          !bounds.can_prove(make_binary(ExprKind::kLT, it->second, end))) {
        schedule_fail(
            *this, primitive,
            fmt::format("producer '{}' computes points of '{}' outside what block '{}' visits ({} "
                        "= {} leaves "
                        "the domain of '{}')",
                        p->name, b->name, c->name, iv.var.name(), print(it->second), iv.var.name()),
            c);
      }
    }
  }
  // D[g(h(u))] = f(e(u), ...) in the producer.
  class ReplaceLoad : public IRMutator {
   public:
    const Buffer* buffer;
    Expr value;
    Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e) override {
      return op->buffer.same_as(*buffer) ? value : IRMutator::mutate_buffer_load(op, e);
    }
  } replace;
  replace.buffer = &b;
  replace.value = produce->value;
  Expr fused_value = replace.mutate_expr(substitute(store->value, to_producer));
  std::vector<Expr> indices;
  for (const Expr& i : store->indices) indices.push_back(substitute(i, to_producer));
  Stmt new_body = make_store(store->buffer, fused_value, indices);
  auto producer = std::make_shared<BlockNode>(*p);
  producer->body = new_body;
  producer->reads = recompute_reads(p, new_body);
  Analyzer az;
  for (const IterVar& iv : p->iter_vars) az.bind(iv.var, iv.dom);
  producer->writes = infer_access_regions(new_body, AccessKind::kWrite, az);
  class Rewriter : public IRMutator {
   public:
    const StmtNode* producer_node;
    Stmt producer;
    const StmtNode* remove;
    const Buffer* dead;
    Stmt mutate_stmt(const Stmt& s) override {
      if (s.get() == producer_node) return producer;
      if (s.get() == remove) return make_seq({});
      return IRMutator::mutate_stmt(s);
    }
    Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
      Stmt out = IRMutator::mutate_block(op, s);
      const BlockNode* n = out.as<BlockNode>();
      if (std::none_of(n->alloc_buffers.begin(), n->alloc_buffers.end(),
                       [&](const Buffer& x) { return x.same_as(*dead); }))
        return out;
      auto node = std::make_shared<BlockNode>(*n);
      std::erase_if(node->alloc_buffers, [&](const Buffer& x) { return x.same_as(*dead); });
      return Stmt(node);
    }
  } rewriter;
  rewriter.producer_node = p;
  rewriter.producer = Stmt(producer);
  rewriter.remove = exclusive_subtree(*this, primitive, c);
  rewriter.dead = &b;
  state_.replace_func(rewriter.mutate_func(func()), primitive);
  record_instruction<ReverseComputeInlineTraits>(*this, {}, block_rv);
}

}  // namespace tessera
