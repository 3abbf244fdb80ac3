// Trace: the ordered instructions a traced Schedule recorded, plus a decision for
// each sampling instruction. Replaying a trace (with its decisions) on the same
// workload reproduces the same program; a trace with a changed decision is a
// neighbour in the search space. The JSON form and the conventions every trace
// relies on are specified in docs/trace-format.md.
//
//   Trace t = Trace::from_json(text);
//   Schedule sch(func);
//   t.apply(sch);                      // strict: a decision that no longer fits is an error
//   std::puts(t.as_cpp().c_str());     // the trace as a handwritten schedule
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/schedule/instruction.h"

namespace tessera {

enum class ReplayMode {
  kStrict,  // a recorded decision that no longer fits is an error naming the instruction
  kRepair,  // such a decision is repaired to the nearest valid one, and recorded as repaired
};

class Trace {
 public:
  static constexpr int kVersion = 1;

  const std::vector<Instruction>& insts() const { return insts_; }
  const std::map<size_t, nlohmann::json>& decisions() const { return decisions_; }
  const nlohmann::json* decision(size_t index) const;

  void append(Instruction inst, const nlohmann::json* decision = nullptr);
  /// A copy with instruction `index`'s decision replaced.
  Trace with_decision(size_t index, nlohmann::json decision) const;
  /// A copy with instruction `index`'s inputs replaced (same count and kinds of random
  /// variables: how a mutator changes an annotation value).
  Trace with_inputs(size_t index, std::vector<InstInput> inputs) const;
  /// A copy of the first `count` instructions and their decisions.
  Trace prefix(size_t count) const;
  /// Drops pure instructions whose outputs nothing uses (and, if asked, everything
  /// from EnterPostproc on).
  Trace simplified(bool remove_postproc) const;

  /// Replays onto `sch` (a fresh schedule of the workload). Decisions come from this
  /// trace unless `decide` (instruction index, kind, recorded decision) supplies one;
  /// returning null lets the sampler sample.
  using DecisionProvider = std::function<const nlohmann::json*(
      size_t index, const Instruction& inst, const nlohmann::json* recorded)>;
  void apply(Schedule& sch, bool remove_postproc = false, ReplayMode mode = ReplayMode::kStrict,
             const DecisionProvider& decide = nullptr) const;

  nlohmann::json to_json() const;
  std::string to_json_string() const { return to_json().dump(); }
  /// Parses the JSON form; errors name the instruction index and what is wrong.
  static Trace from_json(const nlohmann::json& json);
  static Trace from_json_string(const std::string& text);

  /// A C++ function body that, pasted into `void f(Schedule& sch) { ... }`, reproduces
  /// the schedule (samplers keep their decisions).
  std::string as_cpp() const;

 private:
  std::vector<Instruction> insts_;
  std::map<size_t, nlohmann::json> decisions_;
};

}  // namespace tessera
