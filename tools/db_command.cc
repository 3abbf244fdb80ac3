// `tessera db list|best|show|merge|compact`: looking into, merging and compacting tuning
// databases.
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/database.h"

namespace tessera::cli {
namespace {

struct DbOptions {
  std::string db, workload, target;
  std::vector<std::string> from;
  size_t k = 5, rank = 1;
  bool json = false;
};

struct TaskRef {
  std::string workload;  // hash
  std::string target;
  const WorkloadEntry* entry = nullptr;
};

/// -w names a workload (a spec or IR file, hashed) or is a workload hash in the database.
TaskRef find_task(const Database& db, const std::string& spec, const std::string& target) {
  TaskRef t;
  if (const WorkloadEntry* e = db.find_workload(spec)) {
    t.workload = spec;
    t.entry = e;
  } else {
    t.workload = workload_hash(workloads::get(spec).func);
    t.entry = db.find_workload(t.workload);
    if (t.entry == nullptr) {
      fail(
          "the database {} has no workload {} (hash {}); `tessera db list --db {}` lists what it "
          "holds",
          db.directory(), spec, t.workload, db.directory());
    }
  }
  t.target = target_from(target).str();
  return t;
}

int list_tasks(const DbOptions& o) {
  Database db(o.db, /*create=*/false);
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> tasks;  // ok, failed
  for (const TuningRecord& r : db.records()) {
    auto& [ok, failed] = tasks[{r.workload, r.target}];
    if (r.remeasured || r.predicted()) continue;
    (r.ok() ? ok : failed) += 1;
  }
  fmt::print("{:<16}  {:<36}  {:>7}  {:>6}  {:>12}  {:>9}  {}\n", "workload", "spec", "trials",
             "failed", "best ms", "GFLOP/s", "target");
  for (const auto& [key, counts] : tasks) {
    const WorkloadEntry* e = db.find_workload(key.first);
    std::vector<RankedProgram> best = db.top_k(key.first, key.second, 1);
    const double s = best.empty() ? NAN : best[0].median_seconds;
    const int64_t flops = e ? e->flops : 0;
    fmt::print("{:<16}  {:<36}  {:>7}  {:>6}  {:>12}  {:>9}  {}\n", key.first,
               e ? e->spec : "(unknown workload)", counts.first + counts.second, counts.second,
               std::isfinite(s) ? fmt::format("{:.4f}", s * 1e3) : "-",
               std::isfinite(s) && flops > 0
                   ? fmt::format("{:.2f}", static_cast<double>(flops) / s * 1e-9)
                   : "-",
               key.second);
  }
  fmt::print("{} workloads, {} records\n", db.workloads().size(), db.records().size());
  return 0;
}

int best_programs(const DbOptions& o) {
  Database db(o.db, /*create=*/false);
  TaskRef t = find_task(db, o.workload, o.target);
  fmt::print("{} on {}\n", t.entry->spec, t.target);
  fmt::print("{:>4}  {:<16}  {:>12}  {:>9}  {:>5}  {:>7}  {}\n", "rank", "program", "median ms",
             "GFLOP/s", "runs", "records", "measured");
  int rank = 0;
  for (const RankedProgram& p : top_k_or_fail(db, t.workload, t.entry->spec, t.target, o.k)) {
    fmt::print("{:>4}  {:<16}  {:>12.4f}  {:>9.2f}  {:>5}  {:>7}  {}{}\n", ++rank,
               p.record->program, p.median_seconds * 1e3,
               static_cast<double>(t.entry->flops) / p.median_seconds * 1e-9, p.run_seconds.size(),
               p.records, p.record->time, p.remeasured ? "  (re-measured)" : "");
  }
  return 0;
}

int show_program(const DbOptions& o) {
  Database db(o.db, /*create=*/false);
  TaskRef t = find_task(db, o.workload, o.target);
  std::vector<RankedProgram> ranked =
      top_k_or_fail(db, t.workload, t.entry->spec, t.target, o.rank);
  if (ranked.size() < o.rank)
    fail("--rank {}: {} on '{}' has only {} measured programs", o.rank, t.entry->spec, t.target,
         ranked.size());
  const RankedProgram& p = ranked[o.rank - 1];
  const TuningRecord& r = *p.record;
  if (o.json) {
    fmt::print("{}\n", r.trace.dump());
    return 0;
  }
  std::string runs;
  for (double s : p.run_seconds) runs += fmt::format(" {:.4f}", s * 1e3);
  fmt::print(
      "// workload {} ({}) on {}\n// program {}, rank {}: median {:.4f} ms, {:.2f} GFLOP/s over {} "
      "runs in {} records{}:{} ms\n"
      "// measured {} by tessera {} ({}), LLVM {}, on {}\n",
      t.entry->spec, t.workload, t.target, r.program, o.rank, p.median_seconds * 1e3,
      static_cast<double>(t.entry->flops) / p.median_seconds * 1e-9, p.run_seconds.size(),
      p.records, p.remeasured ? " (the end-of-run re-measurement)" : "", runs, r.time,
      r.tessera_version, r.tessera_commit, r.llvm_version, r.cpu_model);
  fmt::print("{}", r.parsed_trace().as_cpp());
  return 0;
}

int merge_databases(const DbOptions& o) {
  Database db(o.db, /*create=*/true);
  for (const std::string& source : o.from) {
    Database other(source, /*create=*/false);
    int64_t added = db.merge(other);
    fmt::print("merged {}: {} of its {} records were new\n", source, added, other.records().size());
  }
  return 0;
}

int compact_database(const DbOptions& o) {
  Database db(o.db, /*create=*/false);
  fmt::print("{}\n", db.compact());
  return 0;
}

CLI::App* add_sub(CLI::App* db, const std::string& name, const std::string& description,
                  DbOptions& o) {
  CLI::App* app = db->add_subcommand(name, description);
  app->add_option("--db", o.db, "the tuning database")->required()->type_name("DIR");
  return app;
}

void add_task_options(CLI::App* app, DbOptions& o) {
  add_workload_option(app, o.workload)->required();
  add_target_option(app, o.target);
}

}  // namespace

Command add_db_command(CLI::App& root) {
  auto o = std::make_shared<DbOptions>();
  CLI::App* db = root.add_subcommand("db", "look into, merge and compact tuning databases");
  db->footer(
      R"(WORKLOAD is a workload spec, an IR file or a workload hash; TARGET defaults to this machine.
A program's time is the median of its runs; where the end of a tuning run re-measured the
finalists in a fresh worker, that re-measurement decides their order (as the summary of
tessera tune reports it), and replay --db builds the same program.)");
  std::vector<std::pair<CLI::App*, std::function<int()>>> subs;
  subs.emplace_back(
      add_sub(db, "list", "every task (workload and target): records, failures, best latency", *o),
      [o] { return list_tasks(*o); });
  CLI::App* best = add_sub(db, "best", "the K fastest programs of a workload on a target", *o);
  add_task_options(best, *o);
  add_integer(best, "-k", o->k, size_t{1}, "how many (default 5)");
  subs.emplace_back(best, [o] { return best_programs(*o); });
  CLI::App* show =
      add_sub(db, "show", "the N-th best record: its measurements, versions and trace as C++", *o);
  add_task_options(show, *o);
  add_integer(show, "--rank", o->rank, size_t{1}, "which (default 1, the best)");
  show->add_flag("--json", o->json, "print the trace as JSON (what tessera replay --trace takes)");
  subs.emplace_back(show, [o] { return show_program(*o); });
  CLI::App* merge = add_sub(
      db, "merge", "append the workloads and records of other databases that DIR lacks", *o);
  merge->add_option("--from", o->from, "a database to merge in; repeatable")
      ->required()
      ->type_name("OTHER_DIR")
      ->allow_extra_args(false);
  subs.emplace_back(merge, [o] { return merge_databases(*o); });
  subs.emplace_back(
      add_sub(db, "compact",
              "rewrite the files without unreadable lines and duplicates, atomically", *o),
      [o] { return compact_database(*o); });
  return {db, [db, subs] {
            for (const auto& [app, run] : subs) {
              if (app->parsed()) return run();
            }
            std::fputs(db->help("tessera").c_str(), stdout);
            return 2;
          }};
}

}  // namespace tessera::cli
