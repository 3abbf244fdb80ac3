#include "trace_queries.h"

namespace tessera::trace_queries {

std::vector<size_t> instructions_of(const Trace& trace, const std::string& kind) {
  std::vector<size_t> out;
  for (size_t i = 0; i < trace.insts().size(); ++i) {
    if (trace.insts()[i].kind->name == kind) out.push_back(i);
  }
  return out;
}

std::optional<size_t> producer_of(const Trace& trace, const AnyRV& rv) {
  for (size_t i = 0; i < trace.insts().size(); ++i) {
    for (const AnyRV& out : trace.insts()[i].outputs) {
      if (out == rv) return i;
    }
  }
  return std::nullopt;
}

bool used_by(const Trace& trace, const ExprRV& rv, const std::string& kind,
             const std::string& key) {
  for (const Instruction& inst : trace.insts()) {
    if (inst.kind->name != kind) continue;
    if (!key.empty() && (inst.attrs.empty() || !inst.attrs[0].is_string() ||
                         inst.attrs[0].get<std::string>() != key))
      continue;
    for (const InstInput& in : inst.inputs) {
      if (const auto* e = std::get_if<ExprRV>(&in); e != nullptr && *e == rv) return true;
    }
  }
  return false;
}

std::optional<std::string> block_name(const Trace& trace, const BlockRV& rv) {
  std::optional<size_t> p = producer_of(trace, rv);
  if (!p) return std::nullopt;
  const Instruction& inst = trace.insts()[*p];
  if (inst.kind->name != "GetBlock" || inst.attrs.empty() || !inst.attrs[0].is_string())
    return std::nullopt;
  return inst.attrs[0].get<std::string>();
}

std::optional<int64_t> redraw_categorical(const Trace& trace, size_t index, Random& rng) {
  const Instruction& inst = trace.insts()[index];
  const nlohmann::json* current = trace.decision(index);
  if (current == nullptr || inst.attrs.size() != 2) return std::nullopt;
  std::vector<double> weights;
  std::vector<int64_t> choices;
  for (size_t k = 0; k < inst.attrs[1].size(); ++k) {
    if (static_cast<int64_t>(k) == current->get<int64_t>()) continue;
    choices.push_back(static_cast<int64_t>(k));
    weights.push_back(inst.attrs[1][k].get<double>());
  }
  double total = 0;
  for (double w : weights) total += w;
  if (choices.empty() || total <= 0) return std::nullopt;
  return choices[rng.categorical(weights)];
}

}  // namespace tessera::trace_queries
