// The tuning database's files: reading them line by line (skipping torn and malformed
// lines with a warning), appending under a file lock with fsync, and the queries.
#include "tessera/tune/database.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

#include <nlohmann/json.hpp>

#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/runtime/evaluator.h"
#include "tessera/support/error.h"
#include "tessera/support/hash.h"
#include "tessera/support/logging.h"
#include "tessera/support/version.h"

namespace tessera {
namespace {

constexpr const char* kWorkloadsFile = "workloads.jsonl";
constexpr const char* kRecordsFile = "records.jsonl";
constexpr const char* kLockFile = "lock";

/// A file descriptor closed on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// flock() on DIR/lock for the scope: shared to read, exclusive to write.
class DirectoryLock {
 public:
  DirectoryLock(const std::string& directory, bool exclusive)
      : fd_(::open((directory + "/" + kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_.get() < 0)
      fail("cannot open the lock file of tuning database {}: {}", directory, std::strerror(errno));
    while (::flock(fd_.get(), exclusive ? LOCK_EX : LOCK_SH) != 0) {
      if (errno != EINTR)
        fail("cannot lock tuning database {}: {}", directory, std::strerror(errno));
    }
  }
  ~DirectoryLock() { ::flock(fd_.get(), LOCK_UN); }

 private:
  FileDescriptor fd_;
};

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write {}: {}", path, std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

template <typename T>
T field(const nlohmann::json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end()) fail("the record has no field '{}'", name);
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail("the record's field '{}' has the wrong type ({})", name, it->type_name());
  }
}

template <typename T>
T optional_field(const nlohmann::json& json, const char* name, T fallback) {
  auto it = json.find(name);
  if (it == json.end()) return fallback;
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    fail("the record's field '{}' has the wrong type ({})", name, it->type_name());
  }
}

void check_version(const nlohmann::json& json) {
  int version = field<int>(json, "version");
  if (version != Database::kFormatVersion) {
    fail("format version {} (this tessera reads version {}; see docs/database-format.md)", version,
         Database::kFormatVersion);
  }
}

WorkloadEntry workload_from_json(const nlohmann::json& json) {
  check_version(json);
  WorkloadEntry w;
  w.hash = field<std::string>(json, "hash");
  w.spec = field<std::string>(json, "spec");
  w.ir = field<std::string>(json, "ir");
  w.flops = optional_field<int64_t>(json, "flops", 0);
  return w;
}

nlohmann::json workload_to_json(const WorkloadEntry& w) {
  return nlohmann::json{{"version", Database::kFormatVersion},
                        {"hash", w.hash},
                        {"spec", w.spec},
                        {"flops", w.flops},
                        {"ir", w.ir}};
}

}  // namespace

double TuningRecord::median_seconds() const {
  return run_seconds.empty() ? std::numeric_limits<double>::infinity() : median_of(run_seconds);
}

nlohmann::json TuningRecord::to_json() const {
  nlohmann::json j{{"version", Database::kFormatVersion},
                   {"workload", workload},
                   {"target", target},
                   {"program", program},
                   {"status", status}};
  if (!reason.empty()) j["reason"] = reason;
  j["run_seconds"] = run_seconds;
  if (remeasured) j["remeasured"] = true;
  j["tessera_version"] = tessera_version;
  j["tessera_commit"] = tessera_commit;
  j["llvm_version"] = llvm_version;
  j["cpu_model"] = cpu_model;
  j["time"] = time;
  j["trace"] = trace;
  return j;
}

TuningRecord TuningRecord::from_json(const nlohmann::json& json) {
  if (!json.is_object()) fail("a record is a JSON object, got {}", json.type_name());
  check_version(json);
  TuningRecord r;
  r.workload = field<std::string>(json, "workload");
  r.target = field<std::string>(json, "target");
  r.program = field<std::string>(json, "program");
  r.status = field<std::string>(json, "status");
  r.reason = optional_field<std::string>(json, "reason", "");
  r.run_seconds = field<std::vector<double>>(json, "run_seconds");
  for (double s : r.run_seconds) {
    if (!(s > 0) || !std::isfinite(s))
      fail("the record's run_seconds holds {}, which is not a positive time", s);
  }
  if (r.status == "ok" && r.run_seconds.empty()) fail("an ok record has no run_seconds");
  r.remeasured = optional_field<bool>(json, "remeasured", false);
  r.tessera_version = optional_field<std::string>(json, "tessera_version", "");
  r.tessera_commit = optional_field<std::string>(json, "tessera_commit", "");
  r.llvm_version = optional_field<std::string>(json, "llvm_version", "");
  r.cpu_model = optional_field<std::string>(json, "cpu_model", "");
  r.time = optional_field<std::string>(json, "time", "");
  auto trace = json.find("trace");
  if (trace == json.end() || !trace->is_object()) fail("the record has no trace object");
  r.trace = *trace;
  return r;
}

std::string workload_hash(const PrimFunc& func) { return hash_to_hex(structural_hash(func)); }
std::string program_hash(const PrimFunc& scheduled) {
  return hash_to_hex(structural_hash(scheduled));
}

std::string utc_timestamp() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string host_cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "unknown" : line.substr(start);
      }
    }
  }
  return "unknown";
}

Database::Database(std::string directory, bool create) : directory_(std::move(directory)) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(directory_, ec)) {
    if (!create) fail("no tuning database at '{}' (no such directory)", directory_);
    if (!fs::create_directories(directory_, ec) && !fs::is_directory(directory_)) {
      fail("cannot create tuning database directory '{}': {}", directory_, ec.message());
    }
  }
  for (const char* file : {kWorkloadsFile, kRecordsFile}) {
    std::string path = directory_ + "/" + file;
    if (fs::exists(path)) continue;
    if (!create) fail("'{}' is not a tuning database: it has no {}", directory_, file);
    FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail("cannot create {}: {}", path, std::strerror(errno));
  }
  refresh();
}

void Database::refresh() {
  DirectoryLock lock(directory_, /*exclusive=*/false);
  read_new_entries();
}

void Database::read_new_entries() {
  read_new_lines(kWorkloadsFile, workloads_offset_, [&](const nlohmann::json& j) {
    WorkloadEntry w = workload_from_json(j);
    if (workload_index_.count(w.hash) != 0) return;
    workload_index_[w.hash] = workloads_.size();
    workloads_.push_back(std::move(w));
  });
  read_new_lines(kRecordsFile, records_offset_,
                 [&](const nlohmann::json& j) { records_.push_back(TuningRecord::from_json(j)); });
}

void Database::read_new_lines(const std::string& file, int64_t& offset,
                              const std::function<void(const nlohmann::json&)>& take) {
  const std::string path = directory_ + "/" + file;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read {}", path);
  in.seekg(offset);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int64_t& line_number = file == kWorkloadsFile ? workloads_lines_ : records_lines_;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      // No newline: a writer died in the middle of this line (writers hold the lock
      // while they write, and we hold it while we read). Later appends start on a new
      // line, after which it is an ordinary malformed line.
      int64_t at = offset + static_cast<int64_t>(start);
      if (torn_reported_[file] != at + 1) {
        torn_reported_[file] = at + 1;
        std::string message =
            fmt::format("{}:{}: skipped a torn last line ({} bytes without a newline)", path,
                        line_number + 1, text.size() - start);
        warnings_.push_back(message);
        log_warning("{}", message);
      }
      break;
    }
    ++line_number;
    std::string_view line(text.data() + start, end - start);
    if (!line.empty() && line.find_first_not_of(" \t\r") != std::string_view::npos) {
      try {
        take(nlohmann::json::parse(line));
      } catch (const std::exception& e) {
        std::string why = e.what();
        if (const auto* error = dynamic_cast<const Error*>(&e)) why = error->message();
        std::string message = fmt::format("{}:{}: skipped a line that is not a valid entry: {}",
                                          path, line_number, why);
        warnings_.push_back(message);
        log_warning("{}", message);
      }
    }
    start = end + 1;
  }
  offset += static_cast<int64_t>(start);
}

void Database::append_line(const std::string& file, const std::string& line) {
  const std::string path = directory_ + "/" + file;
  DirectoryLock lock(directory_, /*exclusive=*/true);
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open {} to append: {}", path, std::strerror(errno));
  struct stat info{};
  if (::fstat(fd.get(), &info) != 0) fail("cannot stat {}: {}", path, std::strerror(errno));
  std::string data;
  if (info.st_size > 0) {
    char last = '\n';
    if (::pread(fd.get(), &last, 1, info.st_size - 1) != 1)
      fail("cannot read {}: {}", path, std::strerror(errno));
    if (last != '\n') data = "\n";  // close a torn line so it costs only itself
  }
  data += line;
  data += '\n';
  write_all(fd.get(), data, path);
  if (::fsync(fd.get()) != 0) fail("cannot sync {}: {}", path, std::strerror(errno));
}

std::string Database::add_workload(const Workload& workload) {
  std::string hash = workload_hash(workload.func);
  refresh();
  if (workload_index_.count(hash) != 0) return hash;
  WorkloadEntry entry{hash, workload.spec, print(workload.func), workload.flops};
  append_line(kWorkloadsFile, workload_to_json(entry).dump());
  refresh();
  return hash;
}

void Database::add_record(TuningRecord record) {
  if (record.tessera_version.empty()) record.tessera_version = version();
  if (record.tessera_commit.empty()) record.tessera_commit = git_commit();
  if (record.llvm_version.empty()) record.llvm_version = llvm_version();
  if (record.cpu_model.empty()) record.cpu_model = host_cpu_model();
  if (record.time.empty()) record.time = utc_timestamp();
  append_line(kRecordsFile, record.to_json().dump());
  refresh();
}

const WorkloadEntry* Database::find_workload(const std::string& hash) const {
  auto it = workload_index_.find(hash);
  return it == workload_index_.end() ? nullptr : &workloads_[it->second];
}

std::vector<const TuningRecord*> Database::records_of(const std::string& workload,
                                                      const std::string& target) const {
  std::vector<const TuningRecord*> out;
  for (const TuningRecord& r : records_) {
    if (r.workload == workload && r.target == target) out.push_back(&r);
  }
  return out;
}

std::vector<RankedProgram> Database::top_k(const std::string& workload, const std::string& target,
                                           size_t k) const {
  // A program that failed any measurement (a wrong result, a crash, ...) never ranks,
  // however fast its other measurements were.
  std::set<std::string> failed;
  const std::vector<const TuningRecord*> records = records_of(workload, target);
  for (const TuningRecord* r : records) {
    if (!r->ok() && !r->predicted()) failed.insert(r->program);
  }
  // The latest re-measurement (the records a tuning run appends at its end, one after the
  // other) decides the order of its finalists, as the run's summary reports it, unless
  // trials were measured after it. Finalists rank first, by their re-measured runs alone.
  size_t batch_end = records.size();
  while (batch_end > 0 && !records[batch_end - 1]->remeasured &&
         records[batch_end - 1]->predicted())
    --batch_end;
  size_t batch_begin = batch_end;
  while (batch_begin > 0 && records[batch_begin - 1]->remeasured) --batch_begin;
  std::map<std::string, RankedProgram> finalists;
  for (size_t i = batch_begin; i < batch_end; ++i) {
    const TuningRecord* r = records[i];
    if (!r->ok() || failed.count(r->program) != 0) continue;
    RankedProgram& p = finalists[r->program];
    p.record = r;
    p.run_seconds = r->run_seconds;
    p.records = 1;
    p.remeasured = true;
  }
  std::map<std::string, RankedProgram> programs;
  for (const TuningRecord* r : records) {
    if (!r->ok() || failed.count(r->program) != 0 || finalists.count(r->program) != 0) continue;
    RankedProgram& p = programs[r->program];
    p.record = r;
    p.run_seconds.insert(p.run_seconds.end(), r->run_seconds.begin(), r->run_seconds.end());
    ++p.records;
  }
  // Ties broken by program hash: a total order, so every reader ranks alike (and no
  // std::stable_sort, which trips clang 19 + libstdc++ 12 deprecations).
  auto by_median = [](const RankedProgram& a, const RankedProgram& b) {
    return a.median_seconds != b.median_seconds ? a.median_seconds < b.median_seconds
                                                : a.record->program < b.record->program;
  };
  std::vector<RankedProgram> ranked, rest;
  for (auto* group : {&finalists, &programs}) {
    std::vector<RankedProgram>& into = group == &finalists ? ranked : rest;
    for (auto& [hash, p] : *group) {
      p.median_seconds = median_of(p.run_seconds);
      into.push_back(std::move(p));
    }
    std::sort(into.begin(), into.end(), by_median);
  }
  ranked.insert(ranked.end(), std::make_move_iterator(rest.begin()),
                std::make_move_iterator(rest.end()));
  if (ranked.size() > k) ranked.resize(k);
  return ranked;
}

const TuningRecord* Database::latest_predicted(const std::string& workload,
                                               const std::string& target) const {
  const TuningRecord* latest = nullptr;
  for (const TuningRecord* r : records_of(workload, target)) {
    if (r->predicted()) latest = r;
  }
  return latest;
}

std::string Database::compact() {
  namespace fs = std::filesystem;
  DirectoryLock lock(directory_, /*exclusive=*/true);
  int64_t unreadable = 0, duplicates = 0, kept = 0;
  for (const char* file : {kWorkloadsFile, kRecordsFile}) {
    const std::string path = directory_ + "/" + file;
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot read {}", path);
    std::string out, line;
    std::set<std::string> seen;
    const bool workloads = std::string(file) == kWorkloadsFile;
    while (std::getline(in, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string canonical;
      std::string key;
      try {
        nlohmann::json j = nlohmann::json::parse(line);
        if (workloads) {
          WorkloadEntry w = workload_from_json(j);
          key = w.hash;
          canonical = workload_to_json(w).dump();
        } else {
          canonical = TuningRecord::from_json(j).to_json().dump();
          key = canonical;
        }
      } catch (const std::exception&) {
        ++unreadable;
        continue;
      }
      if (!seen.insert(key).second) {
        ++duplicates;
        continue;
      }
      out += canonical;
      out += '\n';
      if (!workloads) ++kept;
    }
    const std::string temporary = path + ".compact.tmp";
    {
      FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (fd.get() < 0) fail("cannot create {}: {}", temporary, std::strerror(errno));
      write_all(fd.get(), out, temporary);
      if (::fsync(fd.get()) != 0) fail("cannot sync {}: {}", temporary, std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(temporary, path, ec);
    if (ec) {
      fs::remove(temporary);
      fail("cannot replace {} with its compacted copy: {}", path, ec.message());
    }
  }
  // The files changed under us: read them again from the start (without refresh(), whose
  // shared lock would wait for our own exclusive one).
  workloads_.clear();
  records_.clear();
  workload_index_.clear();
  workloads_offset_ = records_offset_ = workloads_lines_ = records_lines_ = 0;
  torn_reported_.clear();
  warnings_.clear();
  read_new_entries();
  return fmt::format("kept {} records; dropped {} unreadable lines and {} duplicates", kept,
                     unreadable, duplicates);
}

int64_t Database::merge(const Database& other) {
  refresh();
  for (const WorkloadEntry& w : other.workloads()) {
    if (workload_index_.count(w.hash) == 0) append_line(kWorkloadsFile, workload_to_json(w).dump());
  }
  std::set<std::string> have;
  for (const TuningRecord& r : records_) have.insert(r.to_json().dump());
  int64_t added = 0;
  for (const TuningRecord& r : other.records()) {
    std::string line = r.to_json().dump();
    if (!have.insert(line).second) continue;
    append_line(kRecordsFile, line);
    ++added;
  }
  refresh();
  return added;
}

}  // namespace tessera
