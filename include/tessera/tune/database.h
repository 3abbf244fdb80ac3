// Database: the tuning database, a directory that keeps every measured program
// (DESIGN.md §6, docs/database-format.md). `workloads.jsonl` holds one line per
// workload (its hash and IR text); `records.jsonl` one line per measurement (the
// workload hash, the trace with its decisions, every run time or the failure reason,
// the canonical target string, the program's hash, versions, CPU model and time).
//
// Both files are append-only: a record is one write followed by fsync, under an
// exclusive lock on `DIR/lock`, so several tuners can share a directory and a crash
// costs at most the line being written (a torn last line is skipped with a warning).
// Queries are target-aware: the best programs of one workload on one target.
//
//   Database db("tuning/");                       // creates the directory if needed
//   std::string w = db.add_workload(workload);    // its hash
//   db.add_record(record);                        // appended and synced
//   for (const RankedProgram& p : db.top_k(w, target.str(), 5)) use(p.record->trace);
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tessera/schedule/trace.h"
#include "tessera/te/workloads.h"

namespace tessera {

/// One measured (or failed) program.
struct TuningRecord {
  std::string workload;             // the workload's hash (workload_hash)
  std::string target;               // canonical target string
  std::string program;              // hash of the scheduled program (program_hash)
  nlohmann::json trace;             // the trace with its decisions (Trace::to_json)
  std::string status = "ok";        // "ok", "predicted" (the no-tuning mode's pick, never
                                    // measured), or why it failed: "build error", ...
  std::string reason;               // the failure's explanation (empty when ok)
  std::vector<double> run_seconds;  // every timed repeat (ok only)
  bool remeasured = false;          // written by the re-measurement of the best candidates
  std::string tessera_version, tessera_commit, llvm_version, cpu_model, time;

  bool ok() const { return status == "ok" && !run_seconds.empty(); }
  /// Chosen by a cost model without measuring (`tessera tune --trials 0`): neither a
  /// trial nor a failure.
  bool predicted() const { return status == kPredicted; }
  static constexpr const char* kPredicted = "predicted";
  /// The median of run_seconds; +infinity when there is none.
  double median_seconds() const;
  Trace parsed_trace() const { return Trace::from_json(trace); }
  nlohmann::json to_json() const;
  /// Throws Error naming the missing or malformed field.
  static TuningRecord from_json(const nlohmann::json& json);
};

struct WorkloadEntry {
  std::string hash;
  std::string spec;  // how it was named when added (gemm:m=512,... or a file path)
  std::string ir;    // the unscheduled program in the IR text format
  int64_t flops = 0;
};

/// A program of a workload with the run times that rank it: those of the latest
/// re-measurement when it is one of its finalists, else every run time its ok records
/// hold (a program measured again, by another tuner, pools its times).
struct RankedProgram {
  const TuningRecord* record =
      nullptr;  // its latest ok record (the re-measurement's, for a finalist)
  std::vector<double> run_seconds;
  double median_seconds = 0;
  int records = 0;
  bool remeasured = false;  // ranked by the latest re-measurement
};

/// The identity of a workload in the database: its structural hash, which covers block
/// names and ignores variable names, as 16 hex digits.
std::string workload_hash(const PrimFunc& func);
/// The identity of a scheduled program (the same hash, of the scheduled function).
std::string program_hash(const PrimFunc& scheduled);
/// The current UTC time as ISO 8601 ("2026-11-22T10:00:00Z").
std::string utc_timestamp();
/// The CPU's model name from /proc/cpuinfo ("unknown" when there is none).
std::string host_cpu_model();

class Database {
 public:
  static constexpr int kFormatVersion = 1;

  /// Opens `directory`, creating it (and empty files) when `create`, and reads both files.
  /// Throws Error when the directory is missing (and not created) or unreadable.
  explicit Database(std::string directory, bool create = true);

  const std::string& directory() const { return directory_; }

  /// Adds the workload when its hash is new; returns the hash.
  std::string add_workload(const Workload& workload);
  /// Appends a record (versions, CPU model and time are filled in when empty).
  void add_record(TuningRecord record);
  /// Reads what other writers appended since the last read.
  void refresh();

  const std::vector<WorkloadEntry>& workloads() const { return workloads_; }
  const WorkloadEntry* find_workload(const std::string& hash) const;
  /// Every record in file order; references stay valid as records are added.
  const std::deque<TuningRecord>& records() const { return records_; }
  /// Records of one workload on one target, in the order they were written.
  std::vector<const TuningRecord*> records_of(const std::string& workload,
                                              const std::string& target) const;
  /// The k fastest programs of a workload on a target, fastest first: the finalists of the
  /// latest re-measurement (when no trial was measured after it) by the median of their
  /// re-measured run times, then the others by the median of their pooled run times; a
  /// program with any failed record never ranks.
  std::vector<RankedProgram> top_k(const std::string& workload, const std::string& target,
                                   size_t k) const;
  /// The latest record a cost model predicted (no-tuning mode) for the task; null if none.
  const TuningRecord* latest_predicted(const std::string& workload,
                                       const std::string& target) const;
  /// Lines skipped while reading (torn or malformed), one message each.
  const std::vector<std::string>& warnings() const { return warnings_; }

  /// Rewrites both files without unreadable lines and duplicate lines, through a temporary
  /// file and rename (atomic); returns a one-line account of what was dropped.
  std::string compact();
  /// Appends the workloads and records of `other` that this database lacks; returns how
  /// many records were added.
  int64_t merge(const Database& other);

 private:
  void
  read_new_entries();  // both files, from where the last read stopped; the caller holds the lock
  void read_new_lines(const std::string& file, int64_t& offset,
                      const std::function<void(const nlohmann::json&)>& take);
  void append_line(const std::string& file, const std::string& line);

  std::string directory_;
  std::vector<WorkloadEntry> workloads_;
  std::deque<TuningRecord> records_;
  std::map<std::string, size_t> workload_index_;
  std::vector<std::string> warnings_;
  int64_t workloads_offset_ = 0, records_offset_ = 0;
  int64_t workloads_lines_ = 0, records_lines_ = 0;
  std::map<std::string, int64_t>
      torn_reported_;  // file -> offset of the torn line already reported
};

}  // namespace tessera
