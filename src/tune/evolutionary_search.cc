// EvolutionarySearch: the initial population is the best measured programs (a share
// of it) plus fresh samples; each generation picks parents in proportion to the cost
// model's score and mutates them; the batch is the best-scored unmeasured programs met
// on the way plus an ε share of fresh samples, so a poor model cannot starve the search.
#include <algorithm>
#include <cmath>
#include <map>

#include "tessera/support/error.h"
#include "tessera/tune/database.h"
#include "tessera/tune/mutator.h"
#include "tessera/tune/search_strategy.h"

namespace tessera {
namespace {

class EvolutionarySearch : public SearchStrategy {
 public:
  explicit EvolutionarySearch(EvolutionarySearchOptions options = {}) : options_(options) {}

  void initialize(const TuneContext& ctx, SearchInput input) override {
    const EvolutionarySearchOptions& o = options_;
    if (o.population_size < 1)
      fail("EvolutionarySearch: population_size must be at least 1, got {}", o.population_size);
    if (!(o.init_measured_ratio >= 0 && o.init_measured_ratio <= 1))
      fail("EvolutionarySearch: init_measured_ratio must be in [0, 1], got {}",
           o.init_measured_ratio);
    if (o.init_min_unmeasured < 0)
      fail("EvolutionarySearch: init_min_unmeasured must be at least 0, got {}",
           o.init_min_unmeasured);
    if (o.genetic_num_iters < 0)
      fail("EvolutionarySearch: genetic_num_iters must be at least 0, got {}", o.genetic_num_iters);
    if (!(o.genetic_mutate_prob >= 0 && o.genetic_mutate_prob <= 1))
      fail("EvolutionarySearch: genetic_mutate_prob must be in [0, 1], got {}",
           o.genetic_mutate_prob);
    if (o.genetic_max_fail_count < 1)
      fail("EvolutionarySearch: genetic_max_fail_count must be at least 1, got {}",
           o.genetic_max_fail_count);
    if (!(o.eps_greedy >= 0 && o.eps_greedy <= 1))
      fail("EvolutionarySearch: eps_greedy must be in [0, 1], got {}", o.eps_greedy);
    if (input.cost_model == nullptr)
      fail("EvolutionarySearch for {} needs a cost model", ctx.workload.spec);
    SearchStrategy::initialize(ctx, std::move(input));
  }

  std::vector<MeasureCandidate> generate_candidates(int count) override {
    if (ctx_ == nullptr) fail("a search strategy was used before initialize()");
    if (count <= 0) return {};
    std::vector<Individual> population = initial_population();
    if (population.empty()) return {};
    std::map<std::string, Scored> pool;  // unmeasured programs met so far, by hash
    for (int iter = 0; iter < options_.genetic_num_iters; ++iter) {
      std::vector<double> scores = score(population, pool);
      population = next_generation(population, scores);
    }
    score(population, pool);
    return pick(count, pool);
  }

 private:
  struct Individual {
    Trace genome;  // the trace without its postprocessing: what mutators change
    Schedule schedule;
    std::string program;
  };
  struct Scored {
    double score;
    Individual individual;
  };

  std::vector<Individual> initial_population() {
    std::vector<Individual> population;
    const int64_t from_measured = std::min<int64_t>(
        static_cast<int64_t>(best_measured_.size()),
        static_cast<int64_t>(options_.population_size * options_.init_measured_ratio));
    std::vector<CandidateResult> seeds =
        parallel_map<CandidateResult>(from_measured, ctx_->num_threads, [&](int64_t i) {
          return replay_candidate(best_measured_[i].first, ctx_->workload.func, ctx_->postprocs);
        });
    for (int64_t i = 0; i < from_measured; ++i) {
      if (!seeds[i].schedule) continue;  // the space changed since it was measured
      std::string hash = program_hash(seeds[i].schedule->func());
      population.push_back(
          Individual{best_measured_[i].first, std::move(*seeds[i].schedule), hash});
    }
    const int fresh_count =
        std::max<int>(options_.init_min_unmeasured,
                      options_.population_size - static_cast<int>(population.size()));
    for (MeasureCandidate& c : sample_fresh(fresh_count)) {
      Trace genome = c.schedule.trace()->simplified(/*remove_postproc=*/true);
      population.push_back(
          Individual{std::move(genome), std::move(c.schedule), std::move(c.program)});
    }
    return population;
  }

  /// The model's scores for the population; the unmeasured among it join the pool.
  std::vector<double> score(const std::vector<Individual>& population,
                            std::map<std::string, Scored>& pool) {
    std::vector<PrimFunc> programs;
    programs.reserve(population.size());
    for (const Individual& p : population) programs.push_back(p.schedule.func());
    std::vector<double> scores = cost_model_->predict(*ctx_, programs);
    if (scores.size() != population.size())
      fail("the cost model gave {} scores for {} programs", scores.size(), population.size());
    for (size_t i = 0; i < population.size(); ++i) {
      if (!std::isfinite(scores[i])) scores[i] = -1e30;
      if (is_measured(population[i].program) || pool.count(population[i].program) != 0) continue;
      pool.emplace(population[i].program, Scored{scores[i], population[i]});
    }
    return scores;
  }

  std::vector<Individual> next_generation(const std::vector<Individual>& population,
                                          const std::vector<double>& scores) {
    // Parents in proportion to their score above the worst (every one keeps a little weight).
    const double low = *std::min_element(scores.begin(), scores.end());
    const double high = *std::max_element(scores.begin(), scores.end());
    std::vector<double> weights(scores.size());
    for (size_t i = 0; i < scores.size(); ++i)
      weights[i] = (scores[i] - low) + 1e-3 * (high - low) + 1e-12;
    std::vector<double> mutator_weights;
    for (const auto& [mutator, probability] : ctx_->mutators)
      mutator_weights.push_back(probability);
    const bool can_mutate =
        !mutator_weights.empty() &&
        std::any_of(mutator_weights.begin(), mutator_weights.end(), [](double w) { return w > 0; });

    const size_t size = static_cast<size_t>(options_.population_size);
    std::vector<size_t> parent(size);
    std::vector<bool> settled(size, false);
    std::vector<std::optional<Individual>> children(size);
    for (size_t i = 0; i < size; ++i) {
      parent[i] = rng_.categorical(weights);
      if (!can_mutate || rng_.uniform_double() >= options_.genetic_mutate_prob) settled[i] = true;
    }
    // Mutate the unsettled children; those whose mutation does not replay try again, up
    // to genetic_max_fail_count times, then stay their parent. Mutations are drawn in
    // order from one generator and replayed in parallel, so threads do not change the result.
    for (int attempt = 0; attempt < options_.genetic_max_fail_count; ++attempt) {
      std::vector<size_t> open;
      std::vector<Trace> mutated;
      for (size_t i = 0; i < size; ++i) {
        if (settled[i]) continue;
        auto& mutator = ctx_->mutators[rng_.categorical(mutator_weights)].first;
        std::optional<Trace> child = mutator->apply(population[parent[i]].genome, rng_);
        if (!child) continue;
        open.push_back(i);
        mutated.push_back(std::move(*child));
      }
      std::vector<CandidateResult> replayed = parallel_map<CandidateResult>(
          static_cast<int64_t>(open.size()), ctx_->num_threads, [&](int64_t k) {
            return replay_candidate(mutated[k], ctx_->workload.func, ctx_->postprocs);
          });
      std::vector<std::string> hashes = parallel_map<std::string>(
          static_cast<int64_t>(open.size()), ctx_->num_threads, [&](int64_t k) {
            return replayed[k].schedule ? program_hash(replayed[k].schedule->func())
                                        : std::string();
          });
      for (size_t k = 0; k < open.size(); ++k) {
        if (!replayed[k].schedule) continue;
        children[open[k]] =
            Individual{std::move(mutated[k]), std::move(*replayed[k].schedule), hashes[k]};
        settled[open[k]] = true;
      }
      if (std::all_of(settled.begin(), settled.end(), [](bool s) { return s; })) break;
    }
    std::vector<Individual> next;
    next.reserve(size);
    for (size_t i = 0; i < size; ++i)
      next.push_back(children[i] ? std::move(*children[i]) : population[parent[i]]);
    return next;
  }

  std::vector<MeasureCandidate> pick(int count, std::map<std::string, Scored>& pool) {
    std::vector<Scored*> ranked;
    for (auto& [hash, scored] : pool) ranked.push_back(&scored);
    // Ties broken by program hash: deterministic.
    std::sort(ranked.begin(), ranked.end(), [](const Scored* a, const Scored* b) {
      return a->score != b->score ? a->score > b->score
                                  : a->individual.program < b->individual.program;
    });
    const int random_count = static_cast<int>(std::lround(options_.eps_greedy * count));
    const size_t best_count =
        std::min<size_t>(ranked.size(), static_cast<size_t>(count - random_count));
    std::vector<MeasureCandidate> out;
    std::set<std::string> chosen;
    for (size_t i = 0; i < best_count; ++i) {
      chosen.insert(ranked[i]->individual.program);
      out.push_back(MeasureCandidate{std::move(ranked[i]->individual.schedule),
                                     ranked[i]->individual.program});
    }
    for (MeasureCandidate& c : sample_fresh(count - static_cast<int>(out.size()), chosen))
      out.push_back(std::move(c));
    return out;
  }

  EvolutionarySearchOptions options_;
};

}  // namespace

std::shared_ptr<SearchStrategy> make_evolutionary_search(EvolutionarySearchOptions options) {
  return std::make_shared<EvolutionarySearch>(options);
}

TESSERA_REGISTER_COMPONENT_AS(
    SearchStrategy, EvolutionarySearch, "EvolutionarySearch",
    "fresh samples and the best measured, mutated under the cost model; an eps-greedy batch",
    "population_size=512, init_measured_ratio=0.2, init_min_unmeasured=50, genetic_num_iters=4, "
    "genetic_mutate_prob=0.85, genetic_max_fail_count=10, eps_greedy=0.05");

}  // namespace tessera
