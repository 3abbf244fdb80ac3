#include "tessera/ir/stmt.h"

#include <set>

#include "tessera/support/error.h"

namespace tessera {

const char* stmt_kind_name(StmtKind kind) {
  static constexpr const char* kNames[] = {"BufferStore",  "For",      "Block",
                                           "BlockRealize", "SeqStmt",  "IfThenElse",
                                           "LetStmt",      "Evaluate", "Allocate"};
  return kNames[static_cast<int>(kind)];
}

const char* for_kind_name(ForKind kind) {
  static constexpr const char* kNames[] = {"range", "parallel", "vectorized", "unrolled",
                                           "thread_binding"};
  return kNames[static_cast<int>(kind)];
}

const char* iter_kind_name(IterKind kind) {
  return kind == IterKind::kSpatial ? "spatial" : "reduce";
}

namespace {

void check_region(const BufferRegion& r, const std::string& block, const char* what) {
  if (!r.buffer.defined()) fail("block '{}': a {} region has no buffer", block, what);
  if (r.region.size() != r.buffer.ndim()) {
    fail("block '{}': {} region of buffer '{}' has {} dimensions, the buffer has {}", block, what,
         r.buffer->name, r.region.size(), r.buffer.ndim());
  }
  for (const Range& range : r.region) {
    if (!range.min.defined() || !range.extent.defined()) {
      fail("block '{}': {} region of buffer '{}' has an incomplete range", block, what,
           r.buffer->name);
    }
    if (range.min.dtype() != range.extent.dtype() || !range.min.dtype().is_integer()) {
      fail("block '{}': {} region of buffer '{}' has bounds of types {} and {}", block, what,
           r.buffer->name, range.min.dtype().str(), range.extent.dtype().str());
    }
    if (auto e = as_const_int(range.extent); e && *e <= 0) {
      fail("block '{}': {} region of buffer '{}' has a non-positive extent {}", block, what,
           r.buffer->name, *e);
    }
  }
}

}  // namespace

Stmt make_store(Buffer buffer, Expr value, std::vector<Expr> indices) {
  if (!buffer.defined()) fail("BufferStore: buffer is missing");
  if (!value.defined()) fail("store to '{}': value is missing", buffer->name);
  // Typing the indices is make_load's job; reuse it so loads and stores agree.
  Expr load = make_load(buffer, indices);
  if (load.dtype() != value.dtype()) {
    fail("store to buffer '{}' of {}: value has type {}", buffer->name, load.dtype().str(),
         value.dtype().str());
  }
  auto node = std::make_shared<BufferStoreNode>();
  node->buffer = std::move(buffer);
  node->value = std::move(value);
  node->indices = std::move(indices);
  return Stmt(std::move(node));
}

Stmt make_for(Var loop_var, Expr min, Expr extent, ForKind kind, Stmt body, std::string thread_tag,
              Annotations annotations) {
  if (!loop_var.defined()) fail("For: loop variable is missing");
  if (!min.defined() || !extent.defined())
    fail("loop '{}': min or extent is missing", loop_var.name());
  if (!body.defined()) fail("loop '{}': body is missing", loop_var.name());
  if (min.dtype() != loop_var.dtype() || extent.dtype() != loop_var.dtype()) {
    fail("loop '{}' of type {}: min has type {}, extent has type {}", loop_var.name(),
         loop_var.dtype().str(), min.dtype().str(), extent.dtype().str());
  }
  if (!loop_var.dtype().is_int() || !loop_var.dtype().is_scalar()) {
    fail("loop '{}': variable of type {} (must be a signed integer)", loop_var.name(),
         loop_var.dtype().str());
  }
  if (kind == ForKind::kThreadBinding && thread_tag.empty()) {
    fail("loop '{}': a thread_binding loop needs a thread tag (e.g. \"threadIdx.x\")",
         loop_var.name());
  }
  if (kind != ForKind::kThreadBinding && !thread_tag.empty()) {
    fail("loop '{}': thread tag '{}' on a {} loop", loop_var.name(), thread_tag,
         for_kind_name(kind));
  }
  auto node = std::make_shared<ForNode>();
  node->loop_var = std::move(loop_var);
  node->min = std::move(min);
  node->extent = std::move(extent);
  node->for_kind = kind;
  node->body = std::move(body);
  node->thread_tag = std::move(thread_tag);
  node->annotations = std::move(annotations);
  return Stmt(std::move(node));
}

Stmt make_block(BlockFields f) {
  if (f.name.empty()) fail("a block needs a name");
  if (!f.body.defined()) fail("block '{}': body is missing", f.name);
  std::set<const VarNode*> seen;
  for (const IterVar& iv : f.iter_vars) {
    if (!iv.var.defined()) fail("block '{}': an iteration variable is missing", f.name);
    if (!seen.insert(iv.var.get()).second)
      fail("block '{}': iteration variable '{}' appears twice", f.name, iv.var.name());
    if (!iv.dom.min.defined() || !iv.dom.extent.defined()) {
      fail("block '{}': iteration variable '{}' has no domain", f.name, iv.var.name());
    }
    if (iv.dom.min.dtype() != iv.var.dtype() || iv.dom.extent.dtype() != iv.var.dtype()) {
      fail("block '{}': iteration variable '{}' of type {} has a domain of type {}", f.name,
           iv.var.name(), iv.var.dtype().str(), iv.dom.min.dtype().str());
    }
    if (auto e = as_const_int(iv.dom.extent); e && *e <= 0) {
      fail("block '{}': iteration variable '{}' has an empty domain (extent {})", f.name,
           iv.var.name(), *e);
    }
  }
  for (const BufferRegion& r : f.reads) check_region(r, f.name, "read");
  for (const BufferRegion& r : f.writes) check_region(r, f.name, "write");
  for (const MatchBufferRegion& m : f.match_buffers) {
    if (!m.buffer.defined()) fail("block '{}': a match buffer is missing", f.name);
    check_region(m.source, f.name, "match source");
  }
  auto node = std::make_shared<BlockNode>();
  node->name = std::move(f.name);
  node->iter_vars = std::move(f.iter_vars);
  node->reads = std::move(f.reads);
  node->writes = std::move(f.writes);
  node->init = std::move(f.init);
  node->body = std::move(f.body);
  node->alloc_buffers = std::move(f.alloc_buffers);
  node->match_buffers = std::move(f.match_buffers);
  node->annotations = std::move(f.annotations);
  return Stmt(std::move(node));
}

Stmt make_block_realize(std::vector<Expr> iter_values, Expr predicate, Stmt block) {
  const auto* b = block.as<BlockNode>();
  if (b == nullptr) fail("BlockRealize: expected a block");
  if (iter_values.size() != b->iter_vars.size()) {
    fail("block '{}' has {} iteration variables but is bound to {} values", b->name,
         b->iter_vars.size(), iter_values.size());
  }
  for (size_t i = 0; i < iter_values.size(); ++i) {
    if (!iter_values[i].defined())
      fail("block '{}': binding of '{}' is missing", b->name, b->iter_vars[i].var.name());
    if (iter_values[i].dtype() != b->iter_vars[i].var.dtype()) {
      fail("block '{}': iteration variable '{}' of type {} bound to a value of type {}", b->name,
           b->iter_vars[i].var.name(), b->iter_vars[i].var.dtype().str(),
           iter_values[i].dtype().str());
    }
  }
  if (!predicate.defined()) predicate = make_bool(true);
  if (predicate.dtype() != DataType::boolean()) {
    fail("block '{}': predicate of type {} (must be bool)", b->name, predicate.dtype().str());
  }
  auto node = std::make_shared<BlockRealizeNode>();
  node->iter_values = std::move(iter_values);
  node->predicate = std::move(predicate);
  node->block = std::move(block);
  return Stmt(std::move(node));
}

Stmt make_seq(std::vector<Stmt> seq) {
  std::vector<Stmt> flat;
  for (Stmt& s : seq) {
    if (!s.defined()) fail("SeqStmt: a statement is missing");
    if (const auto* inner = s.as<SeqStmtNode>()) {
      flat.insert(flat.end(), inner->seq.begin(), inner->seq.end());
    } else {
      flat.push_back(std::move(s));
    }
  }
  if (flat.size() == 1) return flat[0];
  auto node = std::make_shared<SeqStmtNode>();
  node->seq = std::move(flat);
  return Stmt(std::move(node));
}

Stmt make_if(Expr condition, Stmt then_case, Stmt else_case) {
  if (!condition.defined() || !then_case.defined())
    fail("IfThenElse: condition or body is missing");
  if (condition.dtype() != DataType::boolean()) {
    fail("if condition of type {} (must be bool)", condition.dtype().str());
  }
  auto node = std::make_shared<IfThenElseNode>();
  node->condition = std::move(condition);
  node->then_case = std::move(then_case);
  node->else_case = std::move(else_case);
  return Stmt(std::move(node));
}

Stmt make_let_stmt(Var var, Expr value, Stmt body) {
  if (!var.defined() || !value.defined() || !body.defined())
    fail("LetStmt: variable, value or body is missing");
  if (var.dtype() != value.dtype()) {
    fail("let '{}' of type {} bound to a value of type {}", var.name(), var.dtype().str(),
         value.dtype().str());
  }
  auto node = std::make_shared<LetStmtNode>();
  node->var = std::move(var);
  node->value = std::move(value);
  node->body = std::move(body);
  return Stmt(std::move(node));
}

Stmt make_evaluate(Expr value) {
  if (!value.defined()) fail("Evaluate: value is missing");
  auto node = std::make_shared<EvaluateNode>();
  node->value = std::move(value);
  return Stmt(std::move(node));
}

Stmt make_allocate(Buffer buffer, Stmt body) {
  if (!buffer.defined() || !body.defined()) fail("Allocate: buffer or body is missing");
  auto node = std::make_shared<AllocateNode>();
  node->buffer = std::move(buffer);
  node->body = std::move(body);
  return Stmt(std::move(node));
}

}  // namespace tessera
