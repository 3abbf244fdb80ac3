// TransformBlockLayout: a block's iteration space is remapped by a bijective IndexMap
// (the step that makes a block's iteration match a transformed buffer layout): the
// new iteration variables are the map's outputs, the body sees the old point through
// the map's inverse, and the block's loops become one loop per new variable.
// Preconditions keep this exact: the block is alone in its loop nest, each iteration
// variable is bound directly to its own loop covering its domain, and no output of the
// map mixes spatial and reduction variables (the new variable's kind would be ambiguous).
#include "../instruction_traits.h"

#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/substitute.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct TransformBlockLayoutTraits : InstructionTraitsBase {
  static constexpr const char* kName = "TransformBlockLayout";
  static constexpr const char* kMethod = "transform_block_layout";
  static constexpr std::array<const char*, 2> kArguments = {"block", "index map"};
  static void apply(Schedule& sch, const BlockRV& block, const IndexMap& index_map) {
    sch.transform_block_layout(block, index_map);
  }
};
const InstructionRegistration registration = register_instruction<TransformBlockLayoutTraits>();
}  // namespace

std::vector<const ForNode*> schedule_detail::trivial_loops(const Schedule& sch,
                                                           const std::string& primitive,
                                                           const BlockNode* b) {
  const ScheduleState::BlockEntry* e = sch.state().find_block(b->name);
  if (!is_const_int(e->realize->predicate, 1))
    schedule_fail(sch, primitive, fmt::format("block '{}' has a predicate", b->name), b);
  if (e->loops.size() != b->iter_vars.size()) {
    schedule_fail(sch, primitive,
                  fmt::format("block '{}' has {} loops for {} iteration variables; each variable "
                              "must have its own loop",
                              b->name, e->loops.size(), b->iter_vars.size()),
                  b);
  }
  for (const ForNode* l : e->loops) {
    if (sch.state().child_blocks(l).size() != 1) {
      schedule_fail(
          sch, primitive,
          fmt::format("loop '{}' holds other blocks besides '{}'", l->loop_var.name(), b->name), l);
    }
    if (l->for_kind != ForKind::kSerial)
      schedule_fail(sch, primitive,
                    fmt::format("loop '{}' is {}", l->loop_var.name(), for_kind_name(l->for_kind)),
                    l);
  }
  std::vector<const ForNode*> out;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) {
    const IterVar& iv = b->iter_vars[i];
    const auto* bound = e->realize->iter_values[i].as<VarNode>();
    const ForNode* loop = nullptr;
    for (const ForNode* l : e->loops) {
      if (l->loop_var.get() == bound) loop = l;
    }
    auto extent = as_const_int(iv.dom.extent);
    if (loop == nullptr || std::find(out.begin(), out.end(), loop) != out.end() ||
        !is_const_int(iv.dom.min, 0) || !extent || !is_const_int(loop->min, 0) ||
        !is_const_int(loop->extent, *extent)) {
      schedule_fail(sch, primitive,
                    fmt::format("iteration variable '{}' of block '{}' is not bound directly to a "
                                "loop covering its domain "
                                "(binding {})",
                                iv.var.name(), b->name, print(e->realize->iter_values[i])),
                    b);
    }
    out.push_back(loop);
  }
  return out;
}

void Schedule::transform_block_layout(const BlockRV& block_rv, const IndexMap& index_map) {
  const std::string primitive = "transform_block_layout";
  const BlockNode* b = get(block_rv);
  const ScheduleState::BlockEntry* e = state_.find_block(b->name);
  const std::string map_text = index_map.to_string();
  if (index_map.inputs().size() != b->iter_vars.size()) {
    schedule_fail(
        *this, primitive,
        fmt::format("the index map {} takes {} indices but block '{}' has {} iteration variables",
                    map_text, index_map.inputs().size(), b->name, b->iter_vars.size()),
        b);
  }
  std::vector<const ForNode*> loops_of = trivial_loops(*this, primitive, b);
  std::vector<int64_t> shape;
  for (const ForNode* l : loops_of) shape.push_back(*as_const_int(l->extent));
  std::optional<IndexMap> inverse = index_map.inverse(shape);
  if (!inverse) {
    IndexMap::Analysis a = index_map.analyze(shape);
    std::string why =
        !a.failure.empty() ? a.failure
        : !a.injective     ? "two iteration points map to the same new point"
        : !a.surjective
            ? fmt::format("it does not cover the new space [{}]", fmt::join(a.shape, ", "))
            : "tessera cannot invert it (only splits and fusions of the variables are inverted)";
    schedule_fail(
        *this, primitive,
        fmt::format(
            "index map {} is not a usable bijection of block '{}''s iteration space [{}]: {}",
            map_text, b->name, fmt::join(shape, ", "), why),
        b);
  }
  IndexMap::Analysis a = index_map.analyze(shape);
  // The kind of each new variable: that of the old ones its output uses.
  std::vector<IterVar> new_vars;
  for (size_t d = 0; d < index_map.outputs().size(); ++d) {
    bool spatial = false, reduce = false;
    for (size_t i = 0; i < b->iter_vars.size(); ++i) {
      if (uses_var(index_map.outputs()[d], index_map.inputs()[i].get()) && shape[i] > 1) {
        (b->iter_vars[i].kind == IterKind::kSpatial ? spatial : reduce) = true;
      }
    }
    if (spatial && reduce) {
      schedule_fail(
          *this, primitive,
          fmt::format("output {} ({}) of the index map mixes spatial and reduction variables", d,
                      print(index_map.outputs()[d])),
          b);
    }
    DataType t = b->iter_vars[0].var.dtype();
    new_vars.push_back(IterVar{Var(fmt::format("v{}", d), t),
                               Range{make_int(0, t), make_int(a.shape[d], t)},
                               reduce ? IterKind::kReduce : IterKind::kSpatial});
  }
  // The old point in terms of the new variables.
  Analyzer az;
  std::vector<Expr> new_point;
  for (const IterVar& iv : new_vars) {
    az.bind(iv.var, 0, *as_const_int(iv.dom.extent));
    new_point.push_back(iv.var);
  }
  std::vector<Expr> old_point = inverse->apply(new_point, az);
  VarMap map;
  for (size_t i = 0; i < b->iter_vars.size(); ++i) map[b->iter_vars[i].var.get()] = old_point[i];
  auto region = [&](const BufferRegion& r) {
    BufferRegion out{r.buffer, {}};
    for (const Range& x : r.region)
      out.region.push_back(
          Range{az.simplify(substitute(x.min, map)), az.simplify(substitute(x.extent, map))});
    return out;
  };
  BlockFields f{
      b->name,          new_vars,      {}, {}, Stmt(), substitute(b->body, map), b->alloc_buffers,
      b->match_buffers, b->annotations};
  for (const BufferRegion& r : b->reads) f.reads.push_back(region(r));
  for (const BufferRegion& r : b->writes) f.writes.push_back(region(r));
  if (b->init.defined()) f.init = substitute(b->init, map);
  for (MatchBufferRegion& m : f.match_buffers) m.source = region(m.source);
  std::vector<Expr> bindings;
  std::vector<Var> loops;
  for (size_t d = 0; d < new_vars.size(); ++d) {
    DataType t = new_vars[d].var.dtype();
    loops.push_back(Var(fmt::format("ax{}", d), t));
    bindings.push_back(loops.back());
  }
  Stmt nest = make_block_realize(bindings, make_bool(true), make_block(std::move(f)));
  for (size_t d = loops.size(); d-- > 0;) {
    nest = make_for(loops[d], make_int(0, loops[d].dtype()), new_vars[d].dom.extent,
                    ForKind::kSerial, nest);
  }
  state_.replace_func(
      replace_stmt(func(),
                   e->loops.empty() ? static_cast<const StmtNode*>(e->realize) : e->loops[0], nest),
      primitive);
  record_instruction<TransformBlockLayoutTraits>(*this, {}, block_rv, index_map);
}

}  // namespace tessera
