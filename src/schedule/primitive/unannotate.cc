// Unannotate: remove an annotation from a block or loop.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

void Schedule::unannotate(const BlockRV& block_rv, const std::string& key) {
  const BlockNode* b = get(block_rv);
  if (b->annotations.count(key) == 0)
    schedule_fail(*this, "unannotate",
                  fmt::format("block '{}' has no annotation '{}'", b->name, key), b);
  auto node = std::make_shared<BlockNode>(*b);
  node->annotations.erase(key);
  state_.replace_func(replace_stmt(func(), b, Stmt(node)), "unannotate");
  record("Unannotate", {block_rv}, nlohmann::json::array({key}), {});
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
  record("Unannotate", {loop_rv}, nlohmann::json::array({key}), {});
}

namespace {
InstructionRegistration registration(InstructionKind{
    "Unannotate", /*pure=*/false, /*sampler=*/false,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json& attrs,
       const nlohmann::json*) -> std::vector<AnyRV> {
      std::string key = attr_string(attrs, 0, "annotation key");
      if (!in.empty() && std::holds_alternative<LoopRV>(in[0])) {
        sch.unannotate(input_loop(in, 0), key);
      } else {
        sch.unannotate(input_block(in, 0), key);
      }
      return {};
    },
    [](const std::vector<std::string>& in, const nlohmann::json& attrs, const nlohmann::json*,
       const std::vector<std::string>&) {
      return fmt::format("sch.unannotate({}, {});", in[0], cpp_string(attrs[0].get<std::string>()));
    }});
}  // namespace

}  // namespace tessera
