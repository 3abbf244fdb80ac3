// Annotate: attach a key/value annotation to a block or loop (typed keys: annotation_keys.h).
#include "../instruction_traits.h"

#include "tessera/ir/annotation_keys.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct AnnotateTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Annotate";
  static constexpr const char* kMethod = "annotate";
  static constexpr std::array<const char*, 3> kArguments = {"block or loop", "key", "value"};
  static void apply(Schedule& sch, const BlockOrLoop& target, const std::string& key,
                    const AnnotationArg& value) {
    std::visit([&](const auto& rv) { sch.annotate(rv, key, value); }, target);
  }
};
const InstructionRegistration registration = register_instruction<AnnotateTraits>();
}  // namespace

namespace {

AnnotationValue resolve(const Schedule& sch, const AnnotationArg& value) {
  if (const auto* rv = std::get_if<ExprRV>(&value)) return sch.get(*rv);
  if (const auto* i = std::get_if<int64_t>(&value)) return *i;
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::get<std::string>(value);
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
  record_instruction<AnnotateTraits>(*this, {}, block_rv, key, value);
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
  record_instruction<AnnotateTraits>(*this, {}, loop_rv, key, value);
}

}  // namespace tessera
