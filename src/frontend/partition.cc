#include "tessera/frontend/tasks.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "resolve.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/te/flops.h"

namespace tessera::frontend {
namespace {

struct Groups {
  const Graph& graph;
  std::vector<int> group_of;  // per node; -1 for none (constants) or views
  std::vector<OperatorKind> kind;
  std::vector<std::vector<int>> consumers;  // per value: nodes reading it
  int next = 0;

  explicit Groups(const Graph& g)
      : graph(g), group_of(g.nodes.size(), -1), kind(g.nodes.size()), consumers(g.values.size()) {
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      const Node& node = g.nodes[n];
      bool all_outputs_constant = true;
      for (int o : node.outputs)
        if (o >= 0 && !g.values[static_cast<size_t>(o)].is_constant()) all_outputs_constant = false;
      kind[n] = all_outputs_constant ? OperatorKind::kConstant : operator_of(g, node).kind;
      for (int v : node.inputs)
        if (v >= 0) consumers[static_cast<size_t>(v)].push_back(static_cast<int>(n));
    }
  }

  bool is_output(int value) const {
    return std::find(graph.outputs.begin(), graph.outputs.end(), value) != graph.outputs.end();
  }
  // The one node reading `value`, or -1 (several readers, or a graph output).
  int sole_consumer(int value) const {
    const auto& c = consumers[static_cast<size_t>(value)];
    return c.size() == 1 && !is_output(value) ? c[0] : -1;
  }
  bool fusible(int node) const {
    OperatorKind k = kind[static_cast<size_t>(node)];
    return group_of[static_cast<size_t>(node)] < 0 &&
           (k == OperatorKind::kElementwise || k == OperatorKind::kInjective);
  }
  // True when some input of `node` is computed, directly or not, from group `g`'s nodes
  // through a node outside the group (adding `node` to `g` would make a cycle).
  bool depends_outside(int node, int g) const {
    std::vector<int> stack;
    std::set<int> seen;
    for (int v : graph.nodes[static_cast<size_t>(node)].inputs) {
      if (v < 0) continue;
      int p = graph.values[static_cast<size_t>(v)].producer;
      if (p >= 0 && group_of[static_cast<size_t>(p)] != g) stack.push_back(p);
    }
    while (!stack.empty()) {
      int n = stack.back();
      stack.pop_back();
      if (!seen.insert(n).second) continue;
      if (group_of[static_cast<size_t>(n)] == g) return true;
      for (int v : graph.nodes[static_cast<size_t>(n)].inputs) {
        if (v < 0) continue;
        int p = graph.values[static_cast<size_t>(v)].producer;
        if (p >= 0) stack.push_back(p);
      }
    }
    return false;
  }
  int single_output(int node) const {
    const Node& n = graph.nodes[static_cast<size_t>(node)];
    int out = -1, count = 0;
    for (int o : n.outputs)
      if (o >= 0) out = o, ++count;
    return count == 1 ? out : -1;
  }
  // Pulls the elementwise and injective producers only `node` reads into its group. Into an
  // anchor that reads its inputs many times (a matmul), only data movement (transpose, pad)
  // comes along, directly or through other data movement: arithmetic there would be
  // recomputed at every read (a GELU before a matmul, K times).
  void absorb_producers(int node, int g, bool arithmetic_allowed) {
    for (int v : graph.nodes[static_cast<size_t>(node)].inputs) {
      if (v < 0) continue;
      int p = graph.values[static_cast<size_t>(v)].producer;
      if (p < 0 || !fusible(p) || sole_consumer(v) != node || single_output(p) != v) continue;
      if (!arithmetic_allowed && kind[static_cast<size_t>(p)] == OperatorKind::kElementwise)
        continue;
      group_of[static_cast<size_t>(p)] = g;
      absorb_producers(p, g, arithmetic_allowed);
    }
  }
  // Extends group `g` ending at `node` with its chain of elementwise consumers.
  void absorb_epilogue(int node, int g) {
    for (;;) {
      int out = single_output(node);
      if (out < 0) return;
      int c = sole_consumer(out);
      if (c < 0 || kind[static_cast<size_t>(c)] != OperatorKind::kElementwise ||
          group_of[static_cast<size_t>(c)] >= 0)
        return;
      int c_out = single_output(c);
      if (c_out < 0 || graph.values[static_cast<size_t>(c_out)].shape !=
                           graph.values[static_cast<size_t>(out)].shape)
        return;
      group_of[static_cast<size_t>(c)] = g;
      if (depends_outside(c, g)) {
        group_of[static_cast<size_t>(c)] = -1;
        return;
      }
      node = c;
    }
  }
};

}  // namespace

Partition partition(const Graph& graph) {
  Groups groups(graph);
  const int count = static_cast<int>(graph.nodes.size());
  for (int n = 0; n < count; ++n) {
    if (groups.kind[static_cast<size_t>(n)] != OperatorKind::kAnchor) continue;
    int g = groups.next++;
    groups.group_of[static_cast<size_t>(n)] = g;
    groups.absorb_producers(
        n, g, !operator_of(graph, graph.nodes[static_cast<size_t>(n)]).reads_inputs_repeatedly);
    groups.absorb_epilogue(n, g);
  }
  // Left-over elementwise and injective nodes: one group per chain (a node joins the group
  // of its sole consumer when that is also left over).
  for (int n = count; n-- > 0;) {
    if (!groups.fusible(n)) continue;
    int g = -1;
    int out = groups.single_output(n);
    int c = out >= 0 ? groups.sole_consumer(out) : -1;
    if (c >= 0 && c > n) {
      int cg = groups.group_of[static_cast<size_t>(c)];
      OperatorKind ck = groups.kind[static_cast<size_t>(c)];
      bool open = cg >= 0 && (ck == OperatorKind::kElementwise || ck == OperatorKind::kInjective);
      // Only into a group without an anchor (anchored groups took their producers already).
      bool anchored = false;
      for (int m = 0; m < count && open; ++m)
        if (groups.group_of[static_cast<size_t>(m)] == cg &&
            groups.kind[static_cast<size_t>(m)] == OperatorKind::kAnchor)
          anchored = true;
      if (open && !anchored) {
        groups.group_of[static_cast<size_t>(n)] = cg;
        if (!groups.depends_outside(n, cg)) g = cg;
        groups.group_of[static_cast<size_t>(n)] = -1;
      }
    }
    groups.group_of[static_cast<size_t>(n)] = g >= 0 ? g : groups.next++;
  }

  // Steps in graph order: a group runs where its last node is, views where they are.
  Partition result;
  std::map<uint64_t, int> task_by_hash;
  std::vector<bool> emitted(static_cast<size_t>(groups.next), false);
  std::vector<bool> value_at_load(graph.values.size(), false);
  for (size_t v = 0; v < graph.values.size(); ++v) value_at_load[v] = graph.values[v].is_constant();
  std::vector<int> last_node(static_cast<size_t>(groups.next), -1);
  for (int n = 0; n < count; ++n)
    if (groups.group_of[static_cast<size_t>(n)] >= 0)
      last_node[static_cast<size_t>(groups.group_of[static_cast<size_t>(n)])] = n;
  for (int n = 0; n < count; ++n) {
    const Node& node = graph.nodes[static_cast<size_t>(n)];
    OperatorKind k = groups.kind[static_cast<size_t>(n)];
    if (k == OperatorKind::kConstant) continue;
    if (k == OperatorKind::kView) {
      Step step;
      step.kind = Step::Kind::kView;
      step.inputs = {node.inputs.at(0)};
      step.outputs = {node.outputs.at(0)};
      step.nodes = {n};
      step.at_load = value_at_load[static_cast<size_t>(node.inputs[0])];
      value_at_load[static_cast<size_t>(node.outputs[0])] = step.at_load;
      result.steps.push_back(step);
      continue;
    }
    const int g = groups.group_of[static_cast<size_t>(n)];
    if (last_node[static_cast<size_t>(g)] != n || emitted[static_cast<size_t>(g)]) continue;
    emitted[static_cast<size_t>(g)] = true;
    Step step;
    for (int m = 0; m < count; ++m)
      if (groups.group_of[static_cast<size_t>(m)] == g &&
          groups.kind[static_cast<size_t>(m)] != OperatorKind::kConstant &&
          groups.kind[static_cast<size_t>(m)] != OperatorKind::kView)
        step.nodes.push_back(m);
    // Build the program: group inputs become placeholders in order of first use.
    std::map<int, te::Tensor> tensors;
    std::map<std::string, int> names;
    std::vector<te::Tensor> params;
    std::vector<int> constant_params;
    std::set<int> produced;
    std::string name, anchor, shape;
    for (int m : step.nodes) {
      const Node& member = graph.nodes[static_cast<size_t>(m)];
      std::vector<te::Tensor> inputs;
      for (int v : member.inputs) {
        if (v < 0) {
          inputs.emplace_back();
          continue;
        }
        auto it = tensors.find(v);
        if (it == tensors.end()) {
          const Value& value = graph.values[static_cast<size_t>(v)];
          if (element_count(value.shape) == 0) {  // an empty constant: no parameter
            inputs.emplace_back();
            continue;
          }
          te::Tensor p =
              te::placeholder(value.shape, value.dtype, fmt::format("p{}", params.size()));
          if (value.is_constant()) constant_params.push_back(static_cast<int>(params.size()));
          params.push_back(p);
          step.inputs.push_back(v);
          it = tensors.emplace(v, p).first;
        }
        inputs.push_back(it->second);
      }
      std::vector<OperatorOutput> outputs = convert_node(graph, member, inputs, names);
      for (size_t k2 = 0; k2 < member.outputs.size() && k2 < outputs.size(); ++k2) {
        if (member.outputs[k2] < 0) continue;
        TESSERA_CHECK(outputs[k2].tensor.defined(), "a computed node gave a constant output");
        tensors[member.outputs[k2]] = outputs[k2].tensor;
        produced.insert(member.outputs[k2]);
      }
      name += (name.empty() ? "" : "_") + snake_case(member.op_type);
      if (groups.kind[static_cast<size_t>(m)] == OperatorKind::kAnchor && anchor.empty()) {
        anchor = member.op_type;
        shape = fmt::format(
            "[{}]", fmt::join(graph.values[static_cast<size_t>(member.outputs[0])].shape, ", "));
      }
    }
    if (shape.empty())
      shape = fmt::format(
          "[{}]", fmt::join(graph
                                .values[static_cast<size_t>(
                                    graph.nodes[static_cast<size_t>(step.nodes[0])].outputs[0])]
                                .shape,
                            ", "));
    std::set<int> members(step.nodes.begin(), step.nodes.end());
    for (int v : produced) {
      bool outside = groups.is_output(v);
      for (int c : groups.consumers[static_cast<size_t>(v)])
        outside = outside || members.count(c) == 0;
      if (outside) {
        step.outputs.push_back(v);
        params.push_back(tensors.at(v));
      }
    }
    if (name.size() > 48) name = name.substr(0, 48);
    // "task_": a kernel named like a libm function (pow, exp) would capture the calls to it.
    PrimFunc func = te::create_prim_func(params, "task_" + name);
    step.at_load = true;
    for (int v : step.inputs) step.at_load = step.at_load && value_at_load[static_cast<size_t>(v)];
    for (int v : step.outputs) value_at_load[static_cast<size_t>(v)] = step.at_load;
    uint64_t hash = structural_hash(func);
    auto found = task_by_hash.find(hash);
    if (found == task_by_hash.end()) {
      Task task;
      task.name = name;
      task.anchor = anchor;
      task.func = func;
      task.flops = count_flops(func);
      task.constant_params = constant_params;
      task.shape = shape;
      found = task_by_hash.emplace(hash, static_cast<int>(result.tasks.size())).first;
      result.tasks.push_back(std::move(task));
    }
    step.task = found->second;
    if (!step.at_load) ++result.tasks[static_cast<size_t>(step.task)].weight;
    result.steps.push_back(std::move(step));
  }
  return result;
}

}  // namespace tessera::frontend
