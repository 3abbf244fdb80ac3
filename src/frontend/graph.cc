#include "tessera/frontend/graph.h"

#include <fmt/format.h>

namespace tessera::frontend {

int Graph::find_value(const std::string& name) const {
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Graph::describe(const Node& node) const {
  std::string domain = node.domain.empty() ? "" : node.domain + ".";
  return fmt::format("{}: node '{}' ({}{}, opset {})", source, node.name, domain, node.op_type,
                     opset);
}

std::vector<int> Graph::use_counts() const {
  std::vector<int> uses(values.size(), 0);
  for (const Node& n : nodes)
    for (int v : n.inputs)
      if (v >= 0) ++uses[static_cast<size_t>(v)];
  for (int v : outputs) ++uses[static_cast<size_t>(v)];
  return uses;
}

}  // namespace tessera::frontend
