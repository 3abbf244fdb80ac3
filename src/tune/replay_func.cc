// ReplayFunc: every candidate re-runs the space generator (a template, or the rules)
// with a new seed, so its sampling instructions draw new decisions as they run.
#include "tessera/support/error.h"
#include "tessera/tune/database.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

class ReplayFunc : public SearchStrategy {
 public:
  std::vector<MeasureCandidate> generate_candidates(int count) override {
    if (ctx_ == nullptr) fail("a search strategy was used before initialize()");
    if (!ctx_->space_generator)
      fail("ReplayFunc for {}: the task has no space generator to re-run", ctx_->workload.spec);
    std::vector<MeasureCandidate> out;
    std::set<std::string> taken;
    const int64_t max_runs = 16 * static_cast<int64_t>(count) + 64;
    for (int64_t run = 0; run < max_runs && static_cast<int64_t>(out.size()) < count; ++run) {
      TuneContext fresh = *ctx_;
      fresh.seed = rng_.next();
      std::vector<Schedule> programs;
      try {
        programs = fresh.generate_design_space();
      } catch (const Error& e) {
        CandidateResult failed;
        failed.rejected_by = "space generator";
        failed.reason = e.message();
        count_sample(failed);
        continue;
      }
      for (const Schedule& program : programs) {
        CandidateResult c =
            replay_candidate(*program.trace(), ctx_->workload.func, ctx_->postprocs);
        count_sample(c);
        if (!c.schedule) continue;
        std::string hash = program_hash(c.schedule->func());
        if (is_measured(hash) || !taken.insert(hash).second) continue;
        out.push_back(MeasureCandidate{std::move(*c.schedule), hash});
        if (static_cast<int64_t>(out.size()) == count) break;
      }
    }
    return out;
  }
};

}  // namespace

std::shared_ptr<SearchStrategy> make_replay_func() { return std::make_shared<ReplayFunc>(); }

TESSERA_REGISTER_COMPONENT_AS(
    SearchStrategy, ReplayFunc, "ReplayFunc",
    "each candidate: the space generator (a template) re-run with a new seed", "");

}  // namespace tessera
