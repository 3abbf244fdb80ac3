#include "measure_protocol.h"

#include <nlohmann/json.hpp>

#include "tessera/support/error.h"

namespace tessera::measure_protocol {
namespace {

using nlohmann::json;

const MeasureStatus kStatuses[] = {MeasureStatus::kOk,        MeasureStatus::kWrongResult,
                                   MeasureStatus::kCrash,     MeasureStatus::kTimeout,
                                   MeasureStatus::kLoadError, MeasureStatus::kRunnerError};

MeasureStatus parse_status(const std::string& name) {
  for (MeasureStatus s : kStatuses) {
    if (name == to_string(s)) return s;
  }
  fail("measurement protocol: unknown status '{}'", name);
}

}  // namespace

std::string encode_request(const Request& r) {
  json j = {{"library", r.library},
            {"function", r.function},
            {"workload", r.workload},
            {"seed", r.seed},
            {"number", r.timing.number},
            {"repeat", r.timing.repeat},
            {"min_repeat_ms", r.timing.min_repeat_ms},
            {"flush_cache", r.timing.flush_cache},
            {"threads", r.threads},
            {"check", r.check}};
  return j.dump();
}

Request decode_request(const std::string& line) {
  try {
    json j = json::parse(line);
    Request r;
    r.library = j.at("library").get<std::string>();
    r.function = j.at("function").get<std::string>();
    r.workload = j.at("workload").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    r.timing.number = j.at("number").get<int>();
    r.timing.repeat = j.at("repeat").get<int>();
    r.timing.min_repeat_ms = j.at("min_repeat_ms").get<double>();
    r.timing.flush_cache = j.at("flush_cache").get<bool>();
    r.threads = j.at("threads").get<int>();
    r.check = j.at("check").get<bool>();
    return r;
  } catch (const json::exception& e) {
    fail("measurement protocol: malformed request: {}", e.what());
  }
}

std::string encode_candidate_phase() { return json{{"phase", "candidate"}}.dump(); }

std::string encode_result(const MeasureResult& r) {
  json j = {{"status", to_string(r.status)},
            {"reason", r.reason},
            {"seconds", r.seconds},
            {"number", r.number},
            {"check", r.check_summary}};
  // Kernel messages may hold bytes that are not UTF-8; replace rather than throw.
  return json{{"result", j}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

Reply decode_reply(const std::string& line) {
  try {
    json j = json::parse(line);
    Reply reply;
    if (j.contains("phase")) {
      reply.candidate_phase = true;
      return reply;
    }
    const json& r = j.at("result");
    reply.result.status = parse_status(r.at("status").get<std::string>());
    reply.result.reason = r.at("reason").get<std::string>();
    reply.result.seconds = r.at("seconds").get<std::vector<double>>();
    reply.result.number = r.at("number").get<int>();
    reply.result.check_summary = r.at("check").get<std::string>();
    return reply;
  } catch (const json::exception& e) {
    fail("measurement protocol: malformed reply: {}", e.what());
  }
}

}  // namespace tessera::measure_protocol
