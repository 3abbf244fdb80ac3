// SpaceGenerator: makes the design space of a tuning task, a list of sketches (traced
// schedules whose sampling instructions the search re-samples). The built-in ones:
// `PostOrderApply` (the schedule rules on every block), `ScheduleFn` (a handwritten
// schedule or template registered in spaces/), `Union` (several generators' sketches).
//
//   auto generator =
//   std::make_shared<PostOrderApply>(std::vector<std::shared_ptr<ScheduleRule>>{...});
//   ctx.space_generator = generator;
//   for (const Schedule& s : ctx.generate_design_space()) std::puts(s.trace()->as_cpp().c_str());
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/schedule/schedule.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class SpaceGenerator {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kSpaceGenerator;
  virtual ~SpaceGenerator() = default;
  /// The sketches for `ctx`'s workload; each is a traced schedule of it.
  virtual std::vector<Schedule> generate(const TuneContext& ctx) = 0;
};

class ScheduleRule;

/// The schedule rules applied to every block, consumers before producers (reverse
/// program order). A rule may branch into several sketches; a block whose annotation
/// `tessera.schedule_rule` names a rule gets that rule only ("None": no rule at all).
/// Without rules given, the target's default rule list.
class PostOrderApply : public SpaceGenerator {
 public:
  PostOrderApply() = default;
  explicit PostOrderApply(std::vector<std::shared_ptr<ScheduleRule>> rules)
      : rules_(std::move(rules)) {}
  std::vector<Schedule> generate(const TuneContext& ctx) override;

 private:
  std::vector<std::shared_ptr<ScheduleRule>> rules_;
};

/// One sketch: the handwritten schedule or template registered as `space` (spaces/).
class ScheduleFnSpace : public SpaceGenerator {
 public:
  explicit ScheduleFnSpace(std::string space = "") : space_(std::move(space)) {}
  std::vector<Schedule> generate(const TuneContext& ctx) override;

 private:
  std::string space_;
};

/// The sketches of every generator, in order.
class UnionSpace : public SpaceGenerator {
 public:
  UnionSpace() = default;
  explicit UnionSpace(std::vector<std::shared_ptr<SpaceGenerator>> parts)
      : parts_(std::move(parts)) {}
  std::vector<Schedule> generate(const TuneContext& ctx) override;

 private:
  std::vector<std::shared_ptr<SpaceGenerator>> parts_;
};

}  // namespace tessera
