// Instructions: every primitive is an instruction kind, registered once in the
// file that implements it (src/schedule/primitive/), with how to apply it to a
// schedule and how to print it as a line of C++. A trace is a list of
// instructions; adding a primitive never touches the trace, search or database.
//
// JSON form of one instruction (docs/trace-format.md): [KIND, INPUTS, ATTRS, OUTPUTS].
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "tessera/schedule/random_variables.h"

namespace tessera {

class Schedule;

/// An instruction input: null, an integer, or a random variable.
using InstInput = std::variant<std::monostate, int64_t, BlockRV, LoopRV, ExprRV>;

struct InstructionKind {
  std::string name;      // CamelCase form of the primitive: "Split", "SamplePerfectTile", ...
  bool pure = false;     // no effect on the program (navigation, sampling): removable when unused
  bool sampler = false;  // takes a decision
  /// Applies the instruction to `sch` (which records it when traced). `decision`
  /// is null for instructions that take none, or when a sampler should sample.
  std::function<std::vector<AnyRV>(Schedule& sch, const std::vector<InstInput>& inputs,
                                   const nlohmann::json& attrs, const nlohmann::json* decision)>
      apply;
  /// One C++ statement (without indentation) reproducing the instruction, given the
  /// printed inputs ("b0", "32", "std::nullopt") and output names.
  std::function<std::string(const std::vector<std::string>& inputs, const nlohmann::json& attrs,
                            const nlohmann::json* decision,
                            const std::vector<std::string>& outputs)>
      as_cpp;
};

/// The kind registered under `name`, or nullptr.
const InstructionKind* find_instruction_kind(const std::string& name);
/// Every registered kind, sorted by name.
std::vector<const InstructionKind*> instruction_kinds();

/// Registers a kind at load time: `static InstructionRegistration reg(kind);`. Throws on
/// duplicates.
struct InstructionRegistration {
  explicit InstructionRegistration(InstructionKind kind);
};

struct Instruction {
  const InstructionKind* kind = nullptr;
  std::vector<InstInput> inputs;
  nlohmann::json attrs = nlohmann::json::array();
  std::vector<AnyRV> outputs;
};

}  // namespace tessera
