// Annotate: attach a key/value annotation to a block or loop (typed keys: annotation_keys.h).
#include "../schedule_internal.h"

#include "tessera/ir/annotation_keys.h"

namespace tessera {

using namespace schedule_detail;

namespace {

AnnotationValue resolve(const Schedule& sch, const AnnotationArg& value) {
  if (const auto* rv = std::get_if<ExprRV>(&value)) return sch.get(*rv);
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::get<std::string>(value);
}

// Trace form: INPUTS [target, value] for an RV or integer value, [target] otherwise;
// ATTRS [key] or [key, string_or_real].
void record_annotate(Schedule& sch, InstInput target, const std::string& key,
                     const AnnotationArg& value) {
  std::vector<InstInput> inputs{target};
  nlohmann::json attrs = nlohmann::json::array({key});
  if (const auto* rv = std::get_if<ExprRV>(&value))
    inputs.push_back(*rv);
  else if (const auto* i = std::get_if<int64_t>(&value))
    inputs.push_back(*i);
  else if (const auto* d = std::get_if<double>(&value))
    attrs.push_back(*d);
  else
    attrs.push_back(std::get<std::string>(value));
  ScheduleAccess::record(sch, "Annotate", std::move(inputs), std::move(attrs), {});
}

}  // namespace

void Schedule::annotate(const BlockRV& block_rv, const std::string& key,
                        const AnnotationArg& value) {
  const BlockNode* b = get(block_rv);
  AnnotationValue v = resolve(*this, value);
  try {
    check_annotation(key, v, AnnotationTarget::kBlock);
  } catch (const Error& e) {
    schedule_fail(*this, "annotate", fmt::format("block '{}': {}", b->name, e.message()), b);
  }
  auto node = std::make_shared<BlockNode>(*b);
  node->annotations[key] = v;
  state_.replace_func(replace_stmt(func(), b, Stmt(node)), "annotate");
  record_annotate(*this, block_rv, key, value);
}

void Schedule::annotate(const LoopRV& loop_rv, const std::string& key, const AnnotationArg& value) {
  const ForNode* l = get(loop_rv);
  AnnotationValue v = resolve(*this, value);
  try {
    check_annotation(key, v, AnnotationTarget::kLoop);
  } catch (const Error& e) {
    schedule_fail(*this, "annotate", fmt::format("loop '{}': {}", l->loop_var.name(), e.message()),
                  l);
  }
  Annotations annotations = l->annotations;
  annotations[key] = v;
  Stmt changed =
      make_for(l->loop_var, l->min, l->extent, l->for_kind, l->body, l->thread_tag, annotations);
  state_.replace_func(replace_stmt(func(), l, changed), "annotate");
  record_annotate(*this, loop_rv, key, value);
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Annotate", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::string key = attr_string(attrs, 0, "annotation key");
      AnnotationArg value;
      if (in.size() >= 2) {
        if (const auto* rv = std::get_if<ExprRV>(&in[1]))
          value = *rv;
        else if (const auto* i = std::get_if<int64_t>(&in[1]))
          value = *i;
        else
          fail("Annotate: the value input must be an integer or an integer random variable");
      } else if (attrs.size() >= 2 && attrs[1].is_string()) {
        value = attrs[1].get<std::string>();
      } else if (attrs.size() >= 2 && attrs[1].is_number()) {
        value = attrs[1].get<double>();
      } else {
        fail("Annotate: no value (an input, or a string/real second attribute)");
      }
      if (!in.empty() && std::holds_alternative<LoopRV>(in[0])) {
        sch.annotate(input_loop(in, 0), key, value);
      } else {
        sch.annotate(input_block(in, 0), key, value);
      }
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>&) {
      std::string value;
      if (in.size() >= 2) {
        value = in[1][0] == 'v' ? in[1] : fmt::format("int64_t{{{}}}", in[1]);
      } else if (attrs[1].is_string()) {
        value = fmt::format("std::string({})", cpp_string(attrs[1].get<std::string>()));
      } else {
        value = fmt::format("double{{{}}}", attrs[1].dump());
      }
      return fmt::format("sch.annotate({}, {}, {});", in[0],
                         cpp_string(attrs[0].get<std::string>()), value);
    }});
}  // namespace

}  // namespace tessera
