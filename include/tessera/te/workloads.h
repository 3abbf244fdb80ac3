// The workload library: the standard operator suite (WORKLOADS.md) and everyday
// building blocks, by name.
//
// A workload spec is a name with optional parameters:
//   "C2D:1"                                         the suite's shape #1
//   "C2D:n=1,h=17,w=23,ci=13,co=29,kernel=3,stride=2,pad=1"
//   "C2D:1,stride=2"                                shape #1 with one parameter changed
//   "gemm:m=512,n=512,k=512,epilogue=bias_relu"
//   "C2D"                                           shape #0 (suite entries) or the defaults
// or the path of a file in the IR text format (anything containing '/' or
// ending in ".tir").
//
//   Workload w = workloads::get("gemm:m=128,n=128,k=128");
//   w.func, w.flops, w.spec (canonical: every parameter explicit)
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tessera/ir/function.h"

namespace tessera {

/// One parameter of a workload: integers unless `choices` lists the allowed strings.
struct WorkloadParam {
  std::string name;
  std::string default_value;  // empty: required (unless a shape index gives it)
  std::string help;
  std::vector<std::string> choices;  // non-empty for string-valued parameters
  int64_t min_value = 1;             // for integers
};

/// Parameter values, validated against the declaration.
class WorkloadArgs {
 public:
  explicit WorkloadArgs(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  int64_t integer(const std::string& name) const;
  const std::string& text(const std::string& name) const;

 private:
  std::map<std::string, std::string> values_;
};

struct WorkloadInfo {
  std::string name;
  std::string description;
  std::vector<WorkloadParam> params;
  /// Preset shapes (the suite's four), each a full list of integer values in param order
  /// for the leading integer parameters.
  std::vector<std::vector<int64_t>> shapes;
  std::function<PrimFunc(const WorkloadArgs&)> build;
};

/// A resolved workload.
struct Workload {
  std::string spec;  // canonical: name:every=param, or the file path
  PrimFunc func;
  int64_t flops = 0;
};

namespace workloads {

/// Every registered workload, suite entries first, then building blocks, each group by name.
std::vector<const WorkloadInfo*> list();
const WorkloadInfo* find(const std::string& name);

/// Resolves a spec or an IR file. Errors name the valid workloads or parameters.
Workload get(const std::string& spec);

/// The canonical spec of a named workload with its parameters.
std::string canonical_spec(const std::string& spec);

/// Adds a workload (used by the built-in definitions and by plugins). Throws on duplicates.
void add(WorkloadInfo info);

}  // namespace workloads
}  // namespace tessera
