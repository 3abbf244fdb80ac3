// DisallowDynamicLoop: the search compares programs by measured time and features over
// constant loop nests; a loop whose extent is not a constant (an unresolved split, a
// symbolic shape) is rejected.
#include <fmt/format.h>

#include "tessera/ir/printer.h"
#include "tessera/ir/visitor.h"
#include "tessera/tune/builtin_postprocs.h"

namespace tessera {
namespace {

class DisallowDynamicLoop : public Postproc {
 public:
  std::string name() const override { return "DisallowDynamicLoop"; }

  bool apply(Schedule& sch, std::string& reason) override {
    struct Find : IRVisitor {
      std::string found;
      void visit_for(const ForNode* op) override {
        if (found.empty() && (!as_const_int(op->min) || !as_const_int(op->extent))) {
          found = fmt::format("loop '{}' has extent {}, not a constant", op->loop_var.name(),
                              print(op->extent));
        }
        IRVisitor::visit_for(op);
      }
    } find;
    find.visit_stmt(sch.func()->body);
    if (find.found.empty()) return true;
    reason = find.found;
    return false;
  }
};

}  // namespace

std::shared_ptr<Postproc> make_disallow_dynamic_loop() {
  return std::make_shared<DisallowDynamicLoop>();
}

TESSERA_REGISTER_COMPONENT(Postproc, DisallowDynamicLoop,
                           "rejects programs with a loop whose bounds are not constants", "");

}  // namespace tessera
