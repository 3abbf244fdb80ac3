// Unannotate: remove an annotation from a block or loop.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct UnannotateTraits : InstructionTraitsBase {
  static constexpr const char* kName = "Unannotate";
  static constexpr const char* kMethod = "unannotate";
  static constexpr std::array<const char*, 2> kArguments = {"block or loop", "key"};
  static void apply(Schedule& sch, const BlockOrLoop& target, const std::string& key) {
    std::visit([&](const auto& rv) { sch.unannotate(rv, key); }, target);
  }
};
const InstructionRegistration registration = register_instruction<UnannotateTraits>();
}  // namespace

void Schedule::unannotate(const BlockRV& block_rv, const std::string& key) {
  const BlockNode* b = get(block_rv);
  if (b->annotations.count(key) == 0)
    schedule_fail(*this, "unannotate",
                  fmt::format("block '{}' has no annotation '{}'", b->name, key), b);
  auto node = std::make_shared<BlockNode>(*b);
  node->annotations.erase(key);
  state_.replace_func(replace_stmt(func(), b, Stmt(node)), "unannotate");
  record_instruction<UnannotateTraits>(*this, {}, block_rv, key);
}

void Schedule::unannotate(const LoopRV& loop_rv, const std::string& key) {
  const ForNode* l = get(loop_rv);
  if (l->annotations.count(key) == 0) {
    schedule_fail(*this, "unannotate",
                  fmt::format("loop '{}' has no annotation '{}'", l->loop_var.name(), key), l);
  }
  Annotations annotations = l->annotations;
  annotations.erase(key);
  Stmt changed =
      make_for(l->loop_var, l->min, l->extent, l->for_kind, l->body, l->thread_tag, annotations);
  state_.replace_func(replace_stmt(func(), l, changed), "unannotate");
  record_instruction<UnannotateTraits>(*this, {}, loop_rv, key);
}

}  // namespace tessera
