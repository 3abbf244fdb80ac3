// What `tessera run-model` and `tessera tune-model` share: a model's inputs (from ONNX
// tensor files or random) and the timing of whole runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/frontend/graph.h"
#include "tessera/frontend/graph_runner.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/support/error.h"

namespace tessera::cli {

/// NAME=FILE.pb, split; an error naming the flag otherwise.
inline std::pair<std::string, std::string> name_and_file(const std::string& text,
                                                         const char* flag) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    fail("{}: expected NAME=FILE.pb, got '{}'", flag, text);
  return {text.substr(0, eq), text.substr(eq + 1)};
}

/// The inputs given as NAME=FILE.pb, and random values in [-1, 1] (seed + the input's
/// index) for the others, each announced.
inline std::map<std::string, NDArray> model_inputs(const frontend::Graph& graph,
                                                   const std::vector<std::string>& files,
                                                   uint64_t seed) {
  std::map<std::string, NDArray> feed;
  for (const std::string& text : files) {
    auto [name, file] = name_and_file(text, "--input");
    feed[name] = frontend::read_tensor_file(file);
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const frontend::Value& v = graph.values[static_cast<size_t>(graph.inputs[i])];
    if (feed.count(v.name) != 0) continue;
    NDArray random = NDArray::empty(v.shape, v.dtype);
    random.fill_random(seed + i, -1.0, 1.0);
    feed[v.name] = random;
    fmt::print("input {}: random {}[{}] (seed {})\n", v.name, v.dtype.str(),
               fmt::join(v.shape, ", "), seed + i);
  }
  return feed;
}

/// The wall-clock seconds of one run of the model.
inline double seconds_of_run(frontend::GraphRunner& runner,
                             const std::map<std::string, NDArray>& feed) {
  auto start = std::chrono::steady_clock::now();
  runner.run(feed);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tessera::cli
