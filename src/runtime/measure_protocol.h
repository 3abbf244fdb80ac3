// The line protocol between IsolatedRunner and its worker: one JSON object per line.
// Runner -> worker: a request. Worker -> runner: {"phase":"candidate"} once the
// reference is ready (the candidate's timeout starts there), then {"result":{...}}.
#pragma once

#include <cstdint>
#include <string>

#include "tessera/runtime/evaluator.h"
#include "tessera/runtime/isolated_runner.h"

namespace tessera::measure_protocol {

struct Request {
  std::string library;
  std::string function;
  std::string workload;  // the unscheduled program as IR text (printer.h)
  uint64_t seed = 0;
  TimingOptions timing;
  int threads = 1;
  bool check = true;
};

std::string encode_request(const Request& request);
/// Throws Error on a malformed line.
Request decode_request(const std::string& line);

std::string encode_candidate_phase();
std::string encode_result(const MeasureResult& result);

struct Reply {
  bool candidate_phase = false;  // {"phase":"candidate"}
  MeasureResult result;          // otherwise
};
/// Throws Error on a malformed line.
Reply decode_reply(const std::string& line);

}  // namespace tessera::measure_protocol
