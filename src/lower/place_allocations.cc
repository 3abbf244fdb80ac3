// place_allocations: runs on block IR (before remove_blocks, while the blocks still
// say which loops iterate a reduction). A buffer a block allocates moves to the lowest
// common ancestor of its uses, as an Allocate statement: around the body of that
// loop when it is a loop (one buffer per iteration), around the statement otherwise.
//
// A use is a block that touches the buffer; a block that accumulates into the buffer
// (it writes it and has reduction variables) uses it from the outermost loop that
// iterates one of its reduction variables, since its value lives across those
// iterations. Values never flow between iterations of any other loop: compute_at
// recomputes per iteration what the consumers under the loop read.
#include <algorithm>
#include <unordered_map>

#include "tessera/ir/mutator.h"
#include "tessera/ir/visitor.h"
#include "tessera/lower/passes.h"

namespace tessera {

namespace {

bool touches(const BlockNode* b, const Buffer& buffer) {
  auto in = [&](const std::vector<BufferRegion>& rs) {
    return std::any_of(rs.begin(), rs.end(),
                       [&](const BufferRegion& r) { return r.buffer.same_as(buffer); });
  };
  if (in(b->reads) || in(b->writes)) return true;
  class Finder : public IRVisitor {
   public:
    const BufferNode* target;
    bool found = false;
    void visit_buffer_load(const BufferLoadNode* op) override {
      found = found || op->buffer.get() == target;
      IRVisitor::visit_buffer_load(op);
    }
    void visit_buffer_store(const BufferStoreNode* op) override {
      found = found || op->buffer.get() == target;
      IRVisitor::visit_buffer_store(op);
    }
    void visit_block(const BlockNode*) override {}
  } finder;
  finder.target = buffer.get();
  finder.visit_stmt(b->body);
  if (b->init.defined()) finder.visit_stmt(b->init);
  return finder.found;
}

// The path (statements from the allocating block's body down) to each use of `buffer`.
class UseFinder : public IRVisitor {
 public:
  explicit UseFinder(const Buffer& buffer) : buffer_(buffer) {}
  std::vector<std::vector<const StmtNode*>> uses;

  void visit_stmt(const Stmt& s) override {
    path_.push_back(s.get());
    IRVisitor::visit_stmt(s);
    path_.pop_back();
  }

 protected:
  void visit_block_realize(const BlockRealizeNode* op) override {
    const BlockNode* b = op->block_node();
    if (touches(b, buffer_)) {
      std::vector<const StmtNode*> use = path_;
      bool accumulates =
          std::any_of(b->writes.begin(), b->writes.end(),
                      [&](const BufferRegion& w) { return w.buffer.same_as(buffer_); });
      if (accumulates) {
        // Raise the use to the outermost loop on the path that feeds a reduction variable.
        for (size_t k = 0; k < use.size(); ++k) {
          const auto* f =
              use[k]->kind == StmtKind::kFor ? static_cast<const ForNode*>(use[k]) : nullptr;
          if (f == nullptr) continue;
          bool feeds = false;
          for (size_t i = 0; i < b->iter_vars.size(); ++i) {
            feeds = feeds || (b->iter_vars[i].kind == IterKind::kReduce &&
                              uses_var(op->iter_values[i], f->loop_var.get()));
          }
          if (feeds) {
            use.resize(k);  // the use is the whole loop: allocate around it, not inside
            break;
          }
        }
      }
      uses.push_back(use);
    }
    IRVisitor::visit_block_realize(op);
  }

 private:
  const Buffer& buffer_;
  std::vector<const StmtNode*> path_;
};

// Wraps the statement `at` (or, for a loop, its body) in an Allocate of `buffer`.
class Wrap : public IRMutator {
 public:
  Wrap(const StmtNode* at, const Buffer& buffer, bool around)
      : at_(at), buffer_(buffer), around_(around) {}
  Stmt mutate_stmt(const Stmt& s) override {
    if (s.get() != at_) return IRMutator::mutate_stmt(s);
    if (const auto* f = s.as<ForNode>(); f != nullptr && !around_) {
      return make_for(f->loop_var, f->min, f->extent, f->for_kind, make_allocate(buffer_, f->body),
                      f->thread_tag, f->annotations);
    }
    return make_allocate(buffer_, s);
  }

 private:
  const StmtNode* at_;
  const Buffer& buffer_;
  bool around_;
};

class PlaceAllocations : public IRMutator {
 protected:
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    Stmt out = IRMutator::mutate_block(op, s);
    const auto* b = out.as<BlockNode>();
    if (b->alloc_buffers.empty()) return out;
    Stmt body = b->body;
    for (size_t i = b->alloc_buffers.size(); i-- > 0;) {
      const Buffer& buffer = b->alloc_buffers[i];
      UseFinder finder(buffer);
      finder.visit_stmt(body);
      const StmtNode* at = body.get();
      bool around = true;  // the whole body uses it (or nothing does)
      if (!finder.uses.empty()) {
        // The deepest statement on every use's path.
        size_t depth = 0;
        const std::vector<const StmtNode*>& first = finder.uses[0];
        while (depth < first.size() &&
               std::all_of(
                   finder.uses.begin(), finder.uses.end(),
                   [&](const auto& u) { return depth < u.size() && u[depth] == first[depth]; })) {
          ++depth;
        }
        while (depth > 0 && first[depth - 1]->kind == StmtKind::kBlock)
          --depth;  // a block stays in its realization
        if (depth > 0) {
          at = first[depth - 1];
          around = false;
        }
      }
      Wrap wrap(at, buffer, around);
      body = wrap.mutate_stmt(body);
    }
    auto node = std::make_shared<BlockNode>(*b);
    node->alloc_buffers.clear();
    node->body = body;
    return Stmt(node);
  }
};

}  // namespace

PrimFunc place_allocations(const PrimFunc& func) {
  PlaceAllocations pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
