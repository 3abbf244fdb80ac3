#include "tessera/frontend/graph_runner.h"

#include "kernel_cache.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/runtime/thread_pool.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/hash.h"
#include "tessera/support/logging.h"
#include "tessera/support/task_pool.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/database.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/tuner.h"

namespace tessera::frontend {

struct GraphRunner::State {
  Graph graph;
  RunnerOptions options;
  Target target = Target::host();
  Partition partition;
  std::vector<KernelSource> sources;
  std::unique_ptr<KernelCache> cache;
  std::vector<std::shared_ptr<Kernel>> kernels;  // per task
  std::vector<NDArray> at_load;                  // values computed when loading
  std::vector<std::vector<int>> release_after;   // per step: buffers free once it ran
  double build_seconds = 0;
  std::vector<double> task_seconds;
};

namespace {

std::string file_contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read cost model file {}", path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Samples the default design space deterministically until a program is accepted.
PrimFunc default_space_program(const Task& task, const Target& target, uint64_t seed,
                               std::string* detail) {
  Workload workload{task.name, task.func, task.flops};
  TuneContext ctx(workload, target);
  fill_defaults(ctx);
  std::vector<Schedule> sketches = ctx.generate_design_space();
  std::string last_reason = "the design space has no sketches";
  for (uint64_t attempt = 0; attempt < 64 && !sketches.empty(); ++attempt) {
    const size_t k = attempt % sketches.size();
    CandidateResult c =
        sample_candidate(*sketches[k].trace(), task.func, seed + attempt, ctx.postprocs);
    if (c.schedule) {
      *detail = fmt::format("sketch {}, seed {}", k, seed + attempt);
      return c.schedule->func();
    }
    last_reason = fmt::format("{}: {}", c.rejected_by, c.reason);
  }
  fail("task {}: no program of the default design space was accepted in 64 samples (last: {})",
       task.name, last_reason);
}

// The no-tuning pick: samples of the default design space ranked by a trained cost model.
PrimFunc cost_model_program(const Task& task, const Target& target, const RunnerOptions& options,
                            std::string* detail) {
  Workload workload{task.name, task.func, task.flops};
  TuneContext ctx(workload, target);
  fill_defaults(ctx);
  std::vector<Schedule> sketches = ctx.generate_design_space();
  if (sketches.empty()) fail("task {}: the default design space has no sketches", task.name);
  std::vector<PrimFunc> programs;
  const int64_t wanted = std::max(1, options.cost_model_samples);
  for (int64_t attempt = 0; attempt < 4 * wanted && static_cast<int64_t>(programs.size()) < wanted;
       ++attempt) {
    const size_t k = static_cast<size_t>(attempt) % sketches.size();
    CandidateResult c =
        sample_candidate(*sketches[k].trace(), task.func,
                         options.seed + static_cast<uint64_t>(attempt), ctx.postprocs);
    if (c.schedule) programs.push_back(c.schedule->func());
  }
  if (programs.empty()) return default_space_program(task, target, options.seed, detail);
  std::shared_ptr<CostModel> model = make_cost_model("mlp", options.cost_model_file);
  model->initialize(ctx);
  std::vector<double> scores = model->predict(ctx, programs);
  const size_t best =
      static_cast<size_t>(std::max_element(scores.begin(), scores.end()) - scores.begin());
  *detail = fmt::format("best of {} samples by the cost model", programs.size());
  return programs[best];
}

std::optional<PrimFunc> database_program(const Task& task, const Target& target,
                                         const std::string& directory, KernelSource* source) {
  Database db(directory, /*create=*/false);
  const std::string workload = workload_hash(task.func);
  std::vector<RankedProgram> best = db.top_k(workload, target.str(), 1);
  const TuningRecord* record =
      !best.empty() ? best[0].record : db.latest_predicted(workload, target.str());
  if (record == nullptr) return std::nullopt;
  TuneContext ctx(Workload{task.name, task.func, task.flops}, target);
  fill_defaults(ctx);
  CandidateResult c = replay_candidate(record->parsed_trace(), task.func, ctx.postprocs);
  if (!c.schedule) {
    log_warning("task {}: the database's program {} does not replay ({}: {}); using another",
                task.name, record->program, c.rejected_by, c.reason);
    return std::nullopt;
  }
  source->kind = best.empty() ? "predicted" : "database";
  source->detail = record->program;
  return c.schedule->func();
}

}  // namespace

GraphRunner::GraphRunner(Graph graph, RunnerOptions options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.graph = std::move(graph);
  s.options = std::move(options);
  s.partition = frontend::partition(s.graph);
  if (!s.options.target.empty()) s.target = Target::parse(s.options.target).canonical();
  if (s.target.kind != "llvm")
    fail("the graph runner compiles with LLVM; the target is '{}'", s.target.str());
  const int threads = s.options.num_threads > 0
                          ? s.options.num_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ThreadPool::global().set_num_threads(threads);
  const auto start = std::chrono::steady_clock::now();
  const size_t count = s.partition.tasks.size();
  s.sources.assign(count, KernelSource{});
  s.cache = std::make_unique<KernelCache>(s.options.cache_directory, s.options.use_cache);
  std::string model_hash;  // of the cost model file: its picks depend on its contents
  if (!s.options.cost_model_file.empty())
    model_hash = fmt::format("{:016x}", hash_string(file_contents(s.options.cost_model_file)));
  std::vector<std::shared_ptr<Kernel>> kernels = parallel_map<std::shared_ptr<Kernel>>(
      static_cast<int64_t>(count), threads, [&](int64_t i) -> std::shared_ptr<Kernel> {
        const Task& task = s.partition.tasks[static_cast<size_t>(i)];
        KernelSource& source = s.sources[static_cast<size_t>(i)];
        const std::string workload = workload_hash(task.func);
        const std::string name = task.func->name;
        // A choice made by a deterministic procedure is cached under what it depends on.
        auto cached_or = [&](const std::string& description,
                             const std::function<PrimFunc()>& choose) {
          const std::string key = KernelCache::key(description, s.target);
          if (auto kernel = s.cache->find(key, name)) {
            source.cached = true;
            return kernel;
          }
          return s.cache->build(key, choose(), s.target);
        };
        try {
          if (s.options.unscheduled) {
            source.kind = "unscheduled";
            return cached_or("unscheduled " + workload, [&] { return task.func; });
          }
          if (!s.options.database.empty()) {
            if (std::optional<PrimFunc> program =
                    database_program(task, s.target, s.options.database, &source))
              return cached_or("program " + program_hash(*program), [&] { return *program; });
          }
          if (!s.options.cost_model_file.empty()) {
            source.kind = "cost model";
            return cached_or(
                fmt::format("cost model {} {} seed {} samples {}", model_hash, workload,
                            s.options.seed, s.options.cost_model_samples),
                [&] { return cost_model_program(task, s.target, s.options, &source.detail); });
          }
          source.kind = "default space";
          return cached_or(fmt::format("default space {} seed {}", workload, s.options.seed), [&] {
            return default_space_program(task, s.target, s.options.seed, &source.detail);
          });
        } catch (Error& e) {
          throw e.add_context(fmt::format("while building task {} ({})", i, task.name));
        }
      });
  s.kernels = std::move(kernels);
  // Liveness by storage: a view shares its input's buffer, so a buffer is free after the last
  // step reading it or any view of it; graph outputs live to the end.
  const size_t steps = s.partition.steps.size();
  std::vector<int> root(s.graph.values.size()), last(s.graph.values.size(), -1);
  std::vector<bool> owned(s.graph.values.size(), false);
  for (size_t v = 0; v < root.size(); ++v) root[v] = static_cast<int>(v);
  for (size_t k = 0; k < steps; ++k) {
    const Step& step = s.partition.steps[k];
    if (step.kind == Step::Kind::kView)
      root[static_cast<size_t>(step.outputs[0])] = root[static_cast<size_t>(step.inputs[0])];
    else if (!step.at_load)
      for (int v : step.outputs) owned[static_cast<size_t>(v)] = true;
    for (int v : step.inputs) {
      int& l = last[static_cast<size_t>(root[static_cast<size_t>(v)])];
      l = std::max(l, static_cast<int>(k));
    }
  }
  for (int v : s.graph.outputs)
    last[static_cast<size_t>(root[static_cast<size_t>(v)])] = static_cast<int>(steps);
  s.release_after.assign(steps, {});
  for (size_t v = 0; v < root.size(); ++v)
    if (owned[v] && root[v] == static_cast<int>(v) && last[v] >= 0 &&
        last[v] < static_cast<int>(steps))
      s.release_after[static_cast<size_t>(last[v])].push_back(static_cast<int>(v));
  // Weights transformed by the model (a Transpose of a weight, say) are computed now, once.
  s.at_load.assign(s.graph.values.size(), NDArray());
  for (size_t v = 0; v < s.graph.values.size(); ++v)
    if (s.graph.values[v].is_constant()) s.at_load[v] = s.graph.values[v].constant;
  for (const Step& step : s.partition.steps) {
    if (!step.at_load) continue;
    if (step.kind == Step::Kind::kView) {
      const Value& out = s.graph.values[static_cast<size_t>(step.outputs[0])];
      s.at_load[static_cast<size_t>(step.outputs[0])] =
          s.at_load[static_cast<size_t>(step.inputs[0])].reshaped(out.shape);
      continue;
    }
    std::vector<NDArray> args;
    for (int v : step.inputs) args.push_back(s.at_load[static_cast<size_t>(v)]);
    for (int v : step.outputs) {
      const Value& out = s.graph.values[static_cast<size_t>(v)];
      args.push_back(NDArray::empty(out.shape, out.dtype));
    }
    s.kernels[static_cast<size_t>(step.task)]->run(args);
    for (size_t k = 0; k < step.outputs.size(); ++k)
      s.at_load[static_cast<size_t>(step.outputs[k])] = args[step.inputs.size() + k];
  }
  s.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

GraphRunner::~GraphRunner() = default;
GraphRunner::GraphRunner(GraphRunner&&) noexcept = default;

const Graph& GraphRunner::graph() const { return state_->graph; }
const Partition& GraphRunner::partition() const { return state_->partition; }
const std::vector<KernelSource>& GraphRunner::kernel_sources() const { return state_->sources; }
double GraphRunner::build_seconds() const { return state_->build_seconds; }
std::vector<double> GraphRunner::task_seconds() const { return state_->task_seconds; }

std::map<std::string, NDArray> GraphRunner::run(const std::map<std::string, NDArray>& inputs) {
  State& s = *state_;
  std::vector<NDArray> values = s.at_load;
  for (int v : s.graph.inputs) {
    const Value& value = s.graph.values[static_cast<size_t>(v)];
    auto it = inputs.find(value.name);
    if (it == inputs.end()) fail("{}: no value given for input '{}'", s.graph.source, value.name);
    if (it->second.shape() != value.shape || it->second.dtype() != value.dtype)
      fail("{}: input '{}' must be {}[{}], got {}", s.graph.source, value.name, value.dtype.str(),
           fmt::join(value.shape, ", "), shape_string(it->second));
    values[static_cast<size_t>(v)] = it->second;
  }
  for (const auto& [name, array] : inputs)
    if (s.graph.find_value(name) < 0 || std::find(s.graph.inputs.begin(), s.graph.inputs.end(),
                                                  s.graph.find_value(name)) == s.graph.inputs.end())
      fail("{}: '{}' is not an input of the model", s.graph.source, name);
  s.task_seconds.assign(s.partition.tasks.size(), 0.0);
  // Freed buffers, by byte size, for reuse by later steps.
  std::multimap<size_t, NDArray> free_buffers;
  for (size_t k = 0; k < s.partition.steps.size(); ++k) {
    const Step& step = s.partition.steps[k];
    if (step.at_load) continue;
    if (step.kind == Step::Kind::kView) {
      const Value& out = s.graph.values[static_cast<size_t>(step.outputs[0])];
      values[static_cast<size_t>(step.outputs[0])] =
          values[static_cast<size_t>(step.inputs[0])].reshaped(out.shape);
      continue;
    }
    std::vector<NDArray> args;
    for (int v : step.inputs) args.push_back(values[static_cast<size_t>(v)]);
    for (int v : step.outputs) {
      const Value& out = s.graph.values[static_cast<size_t>(v)];
      int64_t elements = 1;
      for (int64_t d : out.shape) elements *= d;
      const size_t bytes = static_cast<size_t>(elements) * static_cast<size_t>(out.dtype.bytes());
      auto it = free_buffers.find(bytes);
      NDArray buffer;
      if (it != free_buffers.end() && it->second.dtype() == out.dtype) {
        buffer = it->second.reshaped(out.shape);
        free_buffers.erase(it);
      } else {
        buffer = NDArray::empty(out.shape, out.dtype);
      }
      args.push_back(buffer);
    }
    const auto started = std::chrono::steady_clock::now();
    s.kernels[static_cast<size_t>(step.task)]->run(args);
    s.task_seconds[static_cast<size_t>(step.task)] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (size_t j = 0; j < step.outputs.size(); ++j)
      values[static_cast<size_t>(step.outputs[j])] = args[step.inputs.size() + j];
    for (int v : s.release_after[k]) {
      NDArray& buffer = values[static_cast<size_t>(v)];
      free_buffers.emplace(buffer.nbytes(), buffer);
    }
  }
  std::map<std::string, NDArray> out;
  for (int v : s.graph.outputs)
    out[s.graph.values[static_cast<size_t>(v)].name] = values[static_cast<size_t>(v)];
  return out;
}

}  // namespace tessera::frontend
