// Typed instruction kinds (internal to src/schedule). A primitive declares its
// instruction once, as a traits struct next to its implementation:
//
//   struct CacheReadTraits : InstructionTraitsBase {
//     static constexpr const char* kName = "CacheRead";     // the kind in traces
//     static constexpr const char* kMethod = "cache_read";  // the Schedule method in C++
//     static constexpr std::array<const char*, 3> kArguments = {"block", "buffer index", "scope"};
//     static BlockRV apply(Schedule& sch, const BlockRV& block, int64_t index,
//                          const std::string& scope) {
//       return sch.cache_read(block, index, scope);
//     }
//   };
//   const InstructionRegistration registration = register_instruction<CacheReadTraits>();
//
// and records a call with `record_instruction<CacheReadTraits>(sch, result, block, index,
// scope)`. Everything else follows from the types of `apply`'s arguments: which
// go to the instruction's inputs (random variables, factors) and which to its attributes
// (integers, strings, reals, buffer kinds, index maps), how each is checked when a trace is
// read (an error naming the argument), and how the call is printed as C++. Name, layout,
// reading and printing come from one declaration, so they cannot disagree.
#pragma once

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "schedule_internal.h"
#include "tessera/arith/index_map.h"
#include "tessera/schedule/instruction.h"
#include "tessera/support/error.h"

namespace tessera::schedule_detail {

/// Defaults of a traits struct: an instruction that changes the program and samples nothing.
struct InstructionTraitsBase {
  static constexpr bool kPure = false;
  static constexpr bool kSampler = false;
};

/// A sampler's decision argument: empty when the sampler is to sample. Stored as the
/// instruction's decision, not among its attributes, and printed as a last argument when set.
template <typename T>
struct Decision {
  std::optional<T> value;
};

/// An argument that may be a block or a loop (add_unit_loop, annotate, ...).
using BlockOrLoop = std::variant<BlockRV, LoopRV>;

/// The value a void primitive "returns" to record_instruction.
struct NoResult {};

// ---------------------------------------------------------------------------------------
// Argument codecs: one per argument type, each knowing where the argument lives
// (inputs or attributes), how to read it back (with a checked error), and how to print it.

struct ArgumentReader {
  const char* kind;  // instruction kind, for errors
  const std::vector<InstInput>& inputs;
  const nlohmann::json& attrs;
  const nlohmann::json* decision;
  size_t next_input = 0;
  size_t next_attr = 0;
  const char* argument = "";  // the argument being read, for errors
  size_t current_input = 0;   // the input being read, for errors

  [[noreturn]] void input_error(const char* expected) const {
    fail("{}: input {} ({}) must be {}", kind, current_input, argument, expected);
  }
  const InstInput* next_input_or_null() {
    current_input = next_input;
    return next_input < inputs.size() ? &inputs[next_input++] : nullptr;
  }
  const nlohmann::json& next_attribute(const char* expected) {
    if (!attrs.is_array() || next_attr >= attrs.size())
      fail("{}: attribute {} ({}) is missing; it must be {}", kind, next_attr, argument, expected);
    return attrs[next_attr++];
  }
  [[noreturn]] void attribute_error(const char* expected, const nlohmann::json& got) const {
    fail("{}: attribute {} ({}) must be {}, got {}", kind, next_attr - 1, argument, expected,
         got.dump());
  }
};

struct ArgumentWriter {
  std::vector<InstInput> inputs;
  nlohmann::json attrs = nlohmann::json::array();
  std::optional<nlohmann::json> decision;
};

struct ArgumentPrinter {
  const std::vector<std::string>& inputs;  // printed inputs: "b0", "32", "std::nullopt"
  const nlohmann::json& attrs;
  const nlohmann::json* decision;
  size_t next_input = 0;
  size_t next_attr = 0;
  std::vector<std::string> remaining_inputs() {
    std::vector<std::string> rest(inputs.begin() + static_cast<std::ptrdiff_t>(next_input),
                                  inputs.end());
    next_input = inputs.size();
    return rest;
  }
};

template <typename T>
struct ArgumentCodec;

/// A block or loop random variable: one input.
template <typename RV>
  requires(std::is_same_v<RV, BlockRV> || std::is_same_v<RV, LoopRV>)
struct ArgumentCodec<RV> {
  static RV read(ArgumentReader& r) {
    const InstInput* in = r.next_input_or_null();
    if (in == nullptr || !std::holds_alternative<RV>(*in))
      r.input_error(std::is_same_v<RV, BlockRV> ? "a block random variable"
                                                : "a loop random variable");
    return std::get<RV>(*in);
  }
  static void write(ArgumentWriter& w, const RV& v) { w.inputs.push_back(v); }
  static std::string print(ArgumentPrinter& p) { return p.inputs.at(p.next_input++); }
};

template <>
struct ArgumentCodec<BlockOrLoop> {
  static BlockOrLoop read(ArgumentReader& r) {
    const InstInput* in = r.next_input_or_null();
    if (in != nullptr && std::holds_alternative<BlockRV>(*in)) return std::get<BlockRV>(*in);
    if (in != nullptr && std::holds_alternative<LoopRV>(*in)) return std::get<LoopRV>(*in);
    r.input_error("a block or loop random variable");
  }
  static void write(ArgumentWriter& w, const BlockOrLoop& v) {
    std::visit([&](const auto& rv) { w.inputs.push_back(rv); }, v);
  }
  static std::string print(ArgumentPrinter& p) { return p.inputs.at(p.next_input++); }
};

/// Every remaining input, each a loop (fuse, merge, reorder).
template <>
struct ArgumentCodec<std::vector<LoopRV>> {
  static std::vector<LoopRV> read(ArgumentReader& r) {
    std::vector<LoopRV> loops;
    while (r.next_input < r.inputs.size()) loops.push_back(ArgumentCodec<LoopRV>::read(r));
    return loops;
  }
  static void write(ArgumentWriter& w, const std::vector<LoopRV>& loops) {
    for (const LoopRV& l : loops) w.inputs.push_back(l);
  }
  static std::string print(ArgumentPrinter& p) { return cpp_list(p.remaining_inputs()); }
};

/// Every remaining input, each an integer, an integer random variable or null (split factors,
/// loop_partition extents).
template <>
struct ArgumentCodec<std::vector<FactorArg>> {
  static std::vector<FactorArg> read(ArgumentReader& r) {
    std::vector<FactorArg> factors;
    while (const InstInput* in = r.next_input_or_null()) {
      if (std::holds_alternative<std::monostate>(*in))
        factors.emplace_back(std::nullopt);
      else if (const auto* v = std::get_if<int64_t>(in))
        factors.emplace_back(*v);
      else if (const auto* e = std::get_if<ExprRV>(in))
        factors.emplace_back(*e);
      else
        r.input_error("an integer, an integer random variable or null");
    }
    return factors;
  }
  static void write(ArgumentWriter& w, const std::vector<FactorArg>& factors) {
    for (const FactorArg& f : factors) {
      const auto& v = f.value();
      if (f.inferred())
        w.inputs.push_back(std::monostate{});
      else if (const auto* i = std::get_if<int64_t>(&v))
        w.inputs.push_back(*i);
      else
        w.inputs.push_back(std::get<ExprRV>(v));
    }
  }
  static std::string print(ArgumentPrinter& p) {
    return "std::vector<FactorArg>" + cpp_list(p.remaining_inputs());
  }
};

template <>
struct ArgumentCodec<int64_t> {
  static int64_t read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("an integer");
    if (!j.is_number_integer()) r.attribute_error("an integer", j);
    return j.get<int64_t>();
  }
  static void write(ArgumentWriter& w, int64_t v) { w.attrs.push_back(v); }
  static std::string print(ArgumentPrinter& p) { return p.attrs.at(p.next_attr++).dump(); }
};

template <>
struct ArgumentCodec<int> {
  static int read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("an integer");
    if (!j.is_number_integer() || j.get<int64_t>() < std::numeric_limits<int>::min() ||
        j.get<int64_t>() > std::numeric_limits<int>::max())
      r.attribute_error("a 32-bit integer", j);
    return j.get<int>();
  }
  static void write(ArgumentWriter& w, int v) { w.attrs.push_back(v); }
  static std::string print(ArgumentPrinter& p) { return p.attrs.at(p.next_attr++).dump(); }
};

/// Stored as 1 or 0 (the trace format predates booleans); true/false is accepted too.
template <>
struct ArgumentCodec<bool> {
  static bool read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("0 or 1");
    if (j.is_boolean()) return j.get<bool>();
    if (!j.is_number_integer() || (j.get<int64_t>() != 0 && j.get<int64_t>() != 1))
      r.attribute_error("0 or 1", j);
    return j.get<int64_t>() != 0;
  }
  static void write(ArgumentWriter& w, bool v) { w.attrs.push_back(v ? 1 : 0); }
  static std::string print(ArgumentPrinter& p) {
    const nlohmann::json& j = p.attrs.at(p.next_attr++);
    return (j.is_boolean() ? j.get<bool>() : j.get<int64_t>() != 0) ? "true" : "false";
  }
};

template <>
struct ArgumentCodec<std::string> {
  static std::string read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("a string");
    if (!j.is_string()) r.attribute_error("a string", j);
    return j.get<std::string>();
  }
  static void write(ArgumentWriter& w, const std::string& v) { w.attrs.push_back(v); }
  static std::string print(ArgumentPrinter& p) {
    return cpp_string(p.attrs.at(p.next_attr++).get<std::string>());
  }
};

/// A real that may be absent: null (or a missing last attribute) is std::nullopt.
template <>
struct ArgumentCodec<std::optional<double>> {
  static std::optional<double> read(ArgumentReader& r) {
    if (!r.attrs.is_array() || r.next_attr >= r.attrs.size()) return std::nullopt;
    const nlohmann::json& j = r.next_attribute("a number or null");
    if (j.is_null()) return std::nullopt;
    if (!j.is_number()) r.attribute_error("a number or null", j);
    return j.get<double>();
  }
  static void write(ArgumentWriter& w, const std::optional<double>& v) {
    w.attrs.push_back(v ? nlohmann::json(*v) : nlohmann::json(nullptr));
  }
  static std::string print(ArgumentPrinter& p) {
    if (p.next_attr >= p.attrs.size()) return "std::nullopt";
    const nlohmann::json& j = p.attrs.at(p.next_attr++);
    return j.is_null() ? "std::nullopt" : j.dump();
  }
};

template <typename Element>
struct ArgumentCodec<std::vector<Element>> {
  static_assert(std::is_same_v<Element, int64_t> || std::is_same_v<Element, double>,
                "a list attribute holds integers or reals");
  static constexpr const char* kExpected =
      std::is_same_v<Element, int64_t> ? "a list of integers" : "a list of numbers";
  static std::vector<Element> read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute(kExpected);
    if (!j.is_array()) r.attribute_error(kExpected, j);
    std::vector<Element> out;
    for (const nlohmann::json& x : j) {
      bool ok = std::is_same_v<Element, int64_t> ? x.is_number_integer() : x.is_number();
      if (!ok) r.attribute_error(kExpected, j);
      out.push_back(x.get<Element>());
    }
    return out;
  }
  static void write(ArgumentWriter& w, const std::vector<Element>& v) { w.attrs.push_back(v); }
  static std::string print(ArgumentPrinter& p) {
    std::vector<std::string> items;
    for (const nlohmann::json& x : p.attrs.at(p.next_attr++)) items.push_back(x.dump());
    return fmt::format("std::vector<{}>{}", std::is_same_v<Element, int64_t> ? "int64_t" : "double",
                       cpp_list(items));
  }
};

/// Stored as "read" or "write".
template <>
struct ArgumentCodec<BufferIndexKind> {
  static BufferIndexKind read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("\"read\" or \"write\"");
    if (j == "read") return BufferIndexKind::kRead;
    if (j == "write") return BufferIndexKind::kWrite;
    r.attribute_error("\"read\" or \"write\"", j);
  }
  static void write(ArgumentWriter& w, BufferIndexKind v) {
    w.attrs.push_back(v == BufferIndexKind::kRead ? "read" : "write");
  }
  static std::string print(ArgumentPrinter& p) {
    return p.attrs.at(p.next_attr++) == "read" ? "BufferIndexKind::kRead"
                                               : "BufferIndexKind::kWrite";
  }
};

/// Stored in its text form, "lambda i, j: (j, i)".
template <>
struct ArgumentCodec<IndexMap> {
  static IndexMap read(ArgumentReader& r) {
    const nlohmann::json& j = r.next_attribute("an index map");
    if (!j.is_string()) r.attribute_error("an index map", j);
    return IndexMap::parse(j.get<std::string>());
  }
  static void write(ArgumentWriter& w, const IndexMap& v) { w.attrs.push_back(v.to_string()); }
  static std::string print(ArgumentPrinter& p) {
    return fmt::format("IndexMap::parse({})",
                       cpp_string(p.attrs.at(p.next_attr++).get<std::string>()));
  }
};

/// An annotation value: an integer or integer random variable is an input (so that a sampled
/// value is a dependency of the annotation), a real or a string is an attribute.
template <>
struct ArgumentCodec<AnnotationArg> {
  static AnnotationArg read(ArgumentReader& r) {
    if (const InstInput* in = r.next_input_or_null()) {
      if (const auto* e = std::get_if<ExprRV>(in)) return *e;
      if (const auto* i = std::get_if<int64_t>(in)) return *i;
      r.input_error("an integer or an integer random variable");
    }
    const nlohmann::json& j = r.next_attribute("a string or a number");
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number()) return j.get<double>();
    r.attribute_error("a string or a number", j);
  }
  static void write(ArgumentWriter& w, const AnnotationArg& v) {
    if (const auto* e = std::get_if<ExprRV>(&v))
      w.inputs.push_back(*e);
    else if (const auto* i = std::get_if<int64_t>(&v))
      w.inputs.push_back(*i);
    else if (const auto* d = std::get_if<double>(&v))
      w.attrs.push_back(*d);
    else
      w.attrs.push_back(std::get<std::string>(v));
  }
  static std::string print(ArgumentPrinter& p) {
    if (p.next_input < p.inputs.size()) {
      const std::string& in = p.inputs[p.next_input++];
      bool integer = !in.empty() && in.find_first_not_of("-0123456789") == std::string::npos;
      return integer ? fmt::format("int64_t{{{}}}", in) : in;
    }
    const nlohmann::json& j = p.attrs.at(p.next_attr++);
    return j.is_string() ? fmt::format("std::string({})", cpp_string(j.get<std::string>()))
                         : fmt::format("double{{{}}}", j.dump());
  }
};

template <typename T>
struct ArgumentCodec<Decision<T>> {
  static Decision<T> read(ArgumentReader& r) {
    if (r.decision == nullptr) return {};
    nlohmann::json as_attributes = nlohmann::json::array({*r.decision});
    ArgumentReader sub{r.kind, r.inputs, as_attributes, nullptr};
    sub.argument = "decision";
    try {
      return {ArgumentCodec<T>::read(sub)};
    } catch (const Error&) {
      fail("{}: the decision must be {}, got {}", r.kind,
           std::is_same_v<T, int64_t> ? "an integer" : "a list of integers", r.decision->dump());
    }
  }
  static void write(ArgumentWriter& w, const Decision<T>& d) {
    if (d.value) w.decision = nlohmann::json(*d.value);
  }
  static std::optional<std::string> print(ArgumentPrinter& p) {
    if (p.decision == nullptr) return std::nullopt;
    nlohmann::json attrs = nlohmann::json::array({*p.decision});
    ArgumentPrinter sub{p.inputs, attrs, nullptr};
    return ArgumentCodec<T>::print(sub);
  }
};

// ---------------------------------------------------------------------------------------
// Results: how a primitive's return value becomes the instruction's outputs and C++.

template <typename R>
struct ResultCodec;

template <>
struct ResultCodec<void> {
  using Stored = NoResult;
  static std::vector<AnyRV> outputs(const NoResult&) { return {}; }
  static std::string print(const std::vector<std::string>&, const std::string& call) {
    return call + ";";
  }
};

template <typename RV>
  requires(std::is_same_v<RV, BlockRV> || std::is_same_v<RV, LoopRV> || std::is_same_v<RV, ExprRV>)
struct ResultCodec<RV> {
  using Stored = RV;
  static constexpr const char* kType =
      std::is_same_v<RV, BlockRV> ? "BlockRV" : (std::is_same_v<RV, LoopRV> ? "LoopRV" : "ExprRV");
  static std::vector<AnyRV> outputs(const RV& rv) { return {rv}; }
  static std::string print(const std::vector<std::string>& outputs, const std::string& call) {
    return fmt::format("{} {} = {};", kType, outputs.at(0), call);
  }
};

template <typename RV>
struct ResultCodec<std::vector<RV>> {
  using Stored = std::vector<RV>;
  static std::vector<AnyRV> outputs(const std::vector<RV>& rvs) {
    return std::vector<AnyRV>(rvs.begin(), rvs.end());
  }
  static std::string print(const std::vector<std::string>& outputs, const std::string& call) {
    return cpp_unpack(ResultCodec<RV>::kType, outputs, call);
  }
};

// ---------------------------------------------------------------------------------------

template <typename Function>
struct ApplySignature;
template <typename R, typename... Args>
struct ApplySignature<R (*)(Schedule&, Args...)> {
  using Result = R;
  using Arguments = std::tuple<std::remove_cvref_t<Args>...>;
};

template <typename Traits>
using TraitsSignature = ApplySignature<decltype(&Traits::apply)>;
template <typename Traits>
using TraitsArguments = typename TraitsSignature<Traits>::Arguments;
template <typename Traits>
using TraitsResult = ResultCodec<typename TraitsSignature<Traits>::Result>;

template <typename Traits, size_t... I>
TraitsArguments<Traits> read_arguments(ArgumentReader& reader, std::index_sequence<I...>) {
  [[maybe_unused]] auto read_one = [&](auto tag, size_t index) {
    using T = typename decltype(tag)::type;
    reader.argument = Traits::kArguments[index];
    return ArgumentCodec<T>::read(reader);
  };
  // Braced initialization evaluates left to right: inputs and attributes are read in order.
  return TraitsArguments<Traits>{
      read_one(std::type_identity<std::tuple_element_t<I, TraitsArguments<Traits>>>{}, I)...};
}

template <typename Traits, size_t... I>
std::string print_arguments(ArgumentPrinter& printer, std::index_sequence<I...>) {
  std::vector<std::string> printed;
  [[maybe_unused]] auto print_one = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<decltype(ArgumentCodec<T>::print(printer)),
                                 std::optional<std::string>>) {
      if (auto text = ArgumentCodec<T>::print(printer)) printed.push_back(*text);
    } else {
      printed.push_back(ArgumentCodec<T>::print(printer));
    }
  };
  (print_one(std::type_identity<std::tuple_element_t<I, TraitsArguments<Traits>>>{}), ...);
  return fmt::format("{}", fmt::join(printed, ", "));
}

/// The InstructionKind of `Traits` (see the comment at the top of this file).
template <typename Traits>
InstructionKind make_instruction_kind() {
  using Arguments = TraitsArguments<Traits>;
  constexpr size_t kArity = std::tuple_size_v<Arguments>;
  static_assert(Traits::kArguments.size() == kArity, "one name per argument of apply");
  using Result = typename TraitsSignature<Traits>::Result;

  InstructionKind kind;
  kind.name = Traits::kName;
  kind.pure = Traits::kPure;
  kind.sampler = Traits::kSampler;
  kind.apply = [](Schedule& sch, const std::vector<InstInput>& inputs, const nlohmann::json& attrs,
                  const nlohmann::json* decision) -> std::vector<AnyRV> {
    ArgumentReader reader{Traits::kName, inputs, attrs, decision};
    Arguments arguments = read_arguments<Traits>(reader, std::make_index_sequence<kArity>{});
    if (reader.next_input != inputs.size())
      fail("{}: takes {} input(s), got {}", Traits::kName, reader.next_input, inputs.size());
    if (attrs.is_array() && reader.next_attr < attrs.size())
      fail("{}: takes {} attribute(s), got {}", Traits::kName, reader.next_attr, attrs.size());
    auto call = [&](auto&&... args) { return Traits::apply(sch, args...); };
    if constexpr (std::is_void_v<Result>) {
      std::apply(call, arguments);
      return {};
    } else {
      return ResultCodec<Result>::outputs(std::apply(call, arguments));
    }
  };
  kind.as_cpp = [](const std::vector<std::string>& inputs, const nlohmann::json& attrs,
                   const nlohmann::json* decision, const std::vector<std::string>& outputs) {
    ArgumentPrinter printer{inputs, attrs, decision};
    std::string call =
        fmt::format("sch.{}({})", Traits::kMethod,
                    print_arguments<Traits>(printer, std::make_index_sequence<kArity>{}));
    return ResultCodec<Result>::print(outputs, call);
  };
  return kind;
}

/// Registers `Traits`' instruction kind: `const InstructionRegistration registration =
/// register_instruction<Traits>();` in the primitive's file.
template <typename Traits>
InstructionRegistration register_instruction() {
  return InstructionRegistration(make_instruction_kind<Traits>());
}

/// Records a call of `Traits`' primitive with `arguments` (in apply's order, converted to its
/// argument types) and its `result` (NoResult{} / {} for a primitive that returns nothing).
template <typename Traits, typename... Given>
void record_instruction(Schedule& sch, const typename TraitsResult<Traits>::Stored& result,
                        const Given&... arguments) {
  using Arguments = TraitsArguments<Traits>;
  static_assert(sizeof...(Given) == std::tuple_size_v<Arguments>, "one value per argument");
  Arguments typed{arguments...};
  ArgumentWriter writer;
  std::apply(
      [&](const auto&... values) {
        (ArgumentCodec<std::remove_cvref_t<decltype(values)>>::write(writer, values), ...);
      },
      typed);
  const nlohmann::json* decision = writer.decision ? &*writer.decision : nullptr;
  ScheduleAccess::record(sch, Traits::kName, std::move(writer.inputs), std::move(writer.attrs),
                         TraitsResult<Traits>::outputs(result), decision);
}

}  // namespace tessera::schedule_detail
