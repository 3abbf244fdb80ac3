#include "tessera/schedule/trace.h"

#include <set>

#include <fmt/format.h>

#include "tessera/schedule/schedule.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

// Random variables are compared by kind and id.
using RVKey = std::pair<int, int64_t>;
RVKey key_of(const AnyRV& rv) {
  return std::visit([](const auto& x) { return RVKey{static_cast<int>(AnyRV(x).index()), x.id}; },
                    rv);
}
std::optional<RVKey> key_of(const InstInput& in) {
  if (const auto* b = std::get_if<BlockRV>(&in)) return RVKey{0, b->id};
  if (const auto* l = std::get_if<LoopRV>(&in)) return RVKey{1, l->id};
  if (const auto* v = std::get_if<ExprRV>(&in)) return RVKey{2, v->id};
  return std::nullopt;
}

// Names by one counter in order of creation: b0, l1, l2, v3 ...
std::map<RVKey, std::string> rv_names(const std::vector<Instruction>& insts) {
  std::map<RVKey, std::string> names;
  int counter = 0;
  for (const Instruction& inst : insts) {
    for (const AnyRV& out : inst.outputs) {
      static constexpr const char* kPrefix[] = {"b", "l", "v"};
      names[key_of(out)] = fmt::format("{}{}", kPrefix[out.index()], counter++);
    }
  }
  return names;
}

}  // namespace

const nlohmann::json* Trace::decision(size_t index) const {
  auto it = decisions_.find(index);
  return it == decisions_.end() ? nullptr : &it->second;
}

void Trace::append(Instruction inst, const nlohmann::json* decision) {
  if (decision != nullptr) decisions_[insts_.size()] = *decision;
  insts_.push_back(std::move(inst));
}

Trace Trace::with_decision(size_t index, nlohmann::json decision) const {
  if (index >= insts_.size() || !insts_[index].kind->sampler) {
    fail("with_decision: instruction {} is not a sampling instruction", index);
  }
  Trace t = *this;
  t.decisions_[index] = std::move(decision);
  return t;
}

Trace Trace::with_inputs(size_t index, std::vector<InstInput> inputs) const {
  if (index >= insts_.size()) fail("with_inputs: the trace has no instruction {}", index);
  const std::vector<InstInput>& old = insts_[index].inputs;
  if (inputs.size() != old.size())
    fail("with_inputs: instruction {} ({}) takes {} inputs, got {}", index,
         insts_[index].kind->name, old.size(), inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].index() != old[k].index())
      fail("with_inputs: input {} of instruction {} ({}) changes kind", k, index,
           insts_[index].kind->name);
  }
  Trace t = *this;
  t.insts_[index].inputs = std::move(inputs);
  return t;
}

Trace Trace::prefix(size_t count) const {
  Trace t;
  for (size_t i = 0; i < count && i < insts_.size(); ++i) t.append(insts_[i], decision(i));
  return t;
}

Trace Trace::simplified(bool remove_postproc) const {
  size_t end = insts_.size();
  if (remove_postproc) {
    for (size_t i = 0; i < insts_.size(); ++i) {
      if (insts_[i].kind->name == "EnterPostproc") {
        end = i;
        break;
      }
    }
  }
  // Walk backwards keeping impure instructions and pure ones whose outputs are used.
  std::set<RVKey> used;
  std::vector<bool> keep(end, false);
  for (size_t i = end; i-- > 0;) {
    const Instruction& inst = insts_[i];
    bool needed = !inst.kind->pure;
    for (const AnyRV& out : inst.outputs) needed = needed || used.count(key_of(out)) != 0;
    if (!needed) continue;
    keep[i] = true;
    for (const InstInput& in : inst.inputs) {
      if (auto k = key_of(in)) used.insert(*k);
    }
  }
  Trace t;
  for (size_t i = 0; i < end; ++i) {
    if (keep[i]) t.append(insts_[i], decision(i));
  }
  return t;
}

void Trace::apply(Schedule& sch, bool remove_postproc, ReplayMode mode,
                  const DecisionProvider& decide) const {
  std::map<RVKey, AnyRV> mapped;
  const ReplayMode saved = sch.replay_mode();
  sch.set_replay_mode(mode);
  try {
    for (size_t i = 0; i < insts_.size(); ++i) {
      const Instruction& inst = insts_[i];
      if (remove_postproc && inst.kind->name == "EnterPostproc") break;
      std::vector<InstInput> inputs;
      for (const InstInput& in : inst.inputs) {
        auto k = key_of(in);
        if (!k) {
          inputs.push_back(in);
          continue;
        }
        auto it = mapped.find(*k);
        TESSERA_CHECK(it != mapped.end(),
                      "instruction {} uses a random variable no earlier instruction made", i);
        inputs.push_back(std::visit([](const auto& rv) -> InstInput { return rv; }, it->second));
      }
      const nlohmann::json* recorded = decision(i);
      const nlohmann::json* d = decide ? decide(i, inst, recorded) : recorded;
      std::vector<AnyRV> outputs;
      try {
        outputs = inst.kind->apply(sch, inputs, inst.attrs, d);
      } catch (Error& e) {
        e.add_context(fmt::format("in instruction {} ({}) of the trace", i, inst.kind->name));
        throw;
      }
      if (outputs.size() != inst.outputs.size()) {
        fail(
            "instruction {} ({}) made {} random variables on replay, the trace expects {} (the "
            "workload does not fit the trace)",
            i, inst.kind->name, outputs.size(), inst.outputs.size());
      }
      for (size_t k = 0; k < outputs.size(); ++k) {
        if (outputs[k].index() != inst.outputs[k].index())
          fail("instruction {} ({}): output {} changed kind on replay", i, inst.kind->name, k);
        mapped[key_of(inst.outputs[k])] = outputs[k];
      }
    }
  } catch (...) {
    sch.set_replay_mode(saved);
    throw;
  }
  sch.set_replay_mode(saved);
}

nlohmann::json Trace::to_json() const {
  auto names = rv_names(insts_);
  nlohmann::json insts = nlohmann::json::array();
  for (const Instruction& inst : insts_) {
    nlohmann::json inputs = nlohmann::json::array();
    for (const InstInput& in : inst.inputs) {
      if (std::holds_alternative<std::monostate>(in)) {
        inputs.push_back(nullptr);
      } else if (const auto* v = std::get_if<int64_t>(&in)) {
        inputs.push_back(*v);
      } else {
        inputs.push_back(names.at(*key_of(in)));
      }
    }
    nlohmann::json outputs = nlohmann::json::array();
    for (const AnyRV& out : inst.outputs) outputs.push_back(names.at(key_of(out)));
    insts.push_back(nlohmann::json::array({inst.kind->name, inputs, inst.attrs, outputs}));
  }
  nlohmann::json decisions = nlohmann::json::array();
  for (const auto& [index, d] : decisions_) decisions.push_back(nlohmann::json::array({index, d}));
  return nlohmann::json{{"version", kVersion}, {"insts", insts}, {"decisions", decisions}};
}

Trace Trace::from_json(const nlohmann::json& json) {
  if (!json.is_object())
    fail("a trace is a JSON object with \"version\", \"insts\" and \"decisions\"");
  if (!json.contains("version") || !json["version"].is_number_integer())
    fail("trace: missing integer \"version\"");
  if (json["version"].get<int>() != kVersion) {
    fail("trace: version {} is not supported (this tessera reads version {})",
         json["version"].dump(), kVersion);
  }
  if (!json.contains("insts") || !json["insts"].is_array())
    fail("trace: \"insts\" must be an array");
  Trace t;
  std::map<std::string, AnyRV> defined;
  int64_t next_id = 0;
  const nlohmann::json& insts = json["insts"];
  for (size_t i = 0; i < insts.size(); ++i) {
    const nlohmann::json& j = insts[i];
    auto bad = [&](const std::string& what) {
      fail("trace instruction {}: {} (got {})", i, what, j.dump());
    };
    if (!j.is_array() || j.size() != 4) bad("must be [KIND, INPUTS, ATTRS, OUTPUTS]");
    if (!j[0].is_string()) bad("KIND must be a string");
    const InstructionKind* kind = find_instruction_kind(j[0].get<std::string>());
    if (kind == nullptr) bad(fmt::format("unknown instruction kind '{}'", j[0].get<std::string>()));
    if (!j[1].is_array() || !j[2].is_array() || !j[3].is_array())
      bad("INPUTS, ATTRS and OUTPUTS must be arrays");
    Instruction inst{kind, {}, j[2], {}};
    for (const nlohmann::json& in : j[1]) {
      if (in.is_null()) {
        inst.inputs.push_back(std::monostate{});
      } else if (in.is_number_integer()) {
        inst.inputs.push_back(in.get<int64_t>());
      } else if (in.is_string()) {
        auto it = defined.find(in.get<std::string>());
        if (it == defined.end())
          bad(fmt::format("input '{}' is not made by an earlier instruction",
                          in.get<std::string>()));
        inst.inputs.push_back(
            std::visit([](const auto& rv) -> InstInput { return rv; }, it->second));
      } else {
        bad("an input must be a random variable name, an integer or null");
      }
    }
    for (const nlohmann::json& out : j[3]) {
      if (!out.is_string() || out.get<std::string>().size() < 2)
        bad("an output must be a name such as \"b0\", \"l1\" or \"v2\"");
      std::string name = out.get<std::string>();
      if (defined.count(name) != 0) bad(fmt::format("output '{}' is defined twice", name));
      AnyRV rv;
      switch (name[0]) {
        case 'b': rv = BlockRV{next_id++}; break;
        case 'l': rv = LoopRV{next_id++}; break;
        case 'v': rv = ExprRV{next_id++}; break;
        default:
          bad(fmt::format("output '{}' must start with b (block), l (loop) or v (integer)", name));
      }
      defined[name] = rv;
      inst.outputs.push_back(rv);
    }
    t.insts_.push_back(std::move(inst));
  }
  if (json.contains("decisions")) {
    if (!json["decisions"].is_array())
      fail("trace: \"decisions\" must be an array of [INDEX, DECISION]");
    for (const nlohmann::json& d : json["decisions"]) {
      if (!d.is_array() || d.size() != 2 || !d[0].is_number_unsigned())
        fail("trace: a decision must be [INDEX, DECISION], got {}", d.dump());
      size_t index = d[0].get<size_t>();
      if (index >= t.insts_.size() || !t.insts_[index].kind->sampler) {
        fail("trace: decision for instruction {}, which is not a sampling instruction", index);
      }
      t.decisions_[index] = d[1];
    }
  }
  return t;
}

Trace Trace::from_json_string(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("trace is not valid JSON: {}", e.what());
  }
  return from_json(j);
}

std::string Trace::as_cpp() const {
  auto names = rv_names(insts_);
  std::string out;
  for (size_t i = 0; i < insts_.size(); ++i) {
    const Instruction& inst = insts_[i];
    std::vector<std::string> inputs, outputs;
    for (const InstInput& in : inst.inputs) {
      if (std::holds_alternative<std::monostate>(in)) {
        inputs.push_back("std::nullopt");
      } else if (const auto* v = std::get_if<int64_t>(&in)) {
        inputs.push_back(std::to_string(*v));
      } else {
        inputs.push_back(names.at(*key_of(in)));
      }
    }
    for (const AnyRV& o : inst.outputs) outputs.push_back(names.at(key_of(o)));
    out += inst.kind->as_cpp(inputs, inst.attrs, decision(i), outputs);
    out += "\n";
  }
  return out;
}

}  // namespace tessera
