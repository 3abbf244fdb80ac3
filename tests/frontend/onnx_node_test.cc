// The ONNX backend node tests shipped by Debian's libonnx-testdata: every test whose
// operators tessera supports is imported, run by the graph runner with kernels sampled
// from the default design space, and compared with the expected outputs. Tests with an
// unsupported operator or attribute are counted by operator and skipped; a supported test
// that fails or mismatches fails this test.
#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tessera/frontend/graph_runner.h"
#include "tessera/frontend/onnx_import.h"

namespace tessera::frontend {
namespace {

namespace fs = std::filesystem;

const char* kNodeTests = "/usr/share/libonnx-testdata/data/node";

std::vector<fs::path> sorted_files(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) files.push_back(e.path());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    auto number = [](const fs::path& p) {
      std::string s = p.stem().string();
      return std::stoi(s.substr(s.find('_') + 1));
    };
    return number(a) < number(b);
  });
  return files;
}

// "" when the test passes; the reason otherwise.
std::string run_node_test(const fs::path& dir, bool& unsupported, std::string& unsupported_op) {
  try {
    const fs::path data = dir / "test_data_set_0";
    std::vector<fs::path> inputs = sorted_files(data, "input_"),
                          outputs = sorted_files(data, "output_");
    // input_N.pb is the model's N-th input that is not a weight. Import first: a model with
    // inputs of other kinds (sequences, optionals) is unsupported, and its files are no tensors.
    std::vector<std::string> names = onnx_input_names((dir / "model.onnx").string());
    if (names.size() != inputs.size())
      return fmt::format("{} input files for {} inputs", inputs.size(), names.size());
    ImportOptions options;
    Graph graph;
    std::map<std::string, NDArray> feed;
    try {
      graph = import_onnx((dir / "model.onnx").string(), options);
    } catch (const UnsupportedError& e) {
      // Node tests feed shapes and axes as inputs where models compute them from constants:
      // fix the integer inputs at import, as a model's constants would be, and try again.
      if (e.message().find("must be known when the model is imported") == std::string::npos) throw;
      for (size_t i = 0; i < inputs.size(); ++i) {
        NDArray value = read_tensor_file(inputs[i].string());
        if (value.dtype().is_integer()) options.input_values[names[i]] = value;
      }
      graph = import_onnx((dir / "model.onnx").string(), options);
    }
    for (size_t i = 0; i < inputs.size(); ++i)
      if (options.input_values.count(names[i]) == 0)
        feed[names[i]] = read_tensor_file(inputs[i].string());
    GraphRunner runner(graph, RunnerOptions{.num_threads = 1, .use_cache = false});
    std::map<std::string, NDArray> result = runner.run(feed);
    if (outputs.size() != graph.outputs.size()) return "output count differs";
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string& name = graph.values[static_cast<size_t>(graph.outputs[i])].name;
      NDArray expected = read_tensor_file(outputs[i].string());
      const NDArray& actual = result.at(name);
      if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype())
        return fmt::format("output {}: got {}, expected {}", name, shape_string(actual),
                           shape_string(expected));
      Comparison c = compare(actual, expected, 1e-3, 1e-4, /*nan_equal=*/true);
      if (!c.match) return fmt::format("output {}: {}", name, c.summary);
    }
    return "";
  } catch (const UnsupportedError& e) {
    unsupported = true;
    std::string message = e.message();
    size_t open = message.find("' (");
    if (open != std::string::npos) ++open;
    size_t comma = message.find(", opset", open);
    unsupported_op = open != std::string::npos && comma != std::string::npos
                         ? message.substr(open + 2, comma - open - 2)
                         : "?";
    return message;
  } catch (const std::exception& e) {
    return e.what();
  }
}

TEST(OnnxNodeTests, EverySupportedTestMatchesItsExpectedOutputs) {
  if (!fs::exists(kNodeTests))
    GTEST_SKIP() << kNodeTests << " is missing (Debian package libonnx-testdata)";
  const char* filter = std::getenv("TESSERA_NODE_TEST_FILTER");
  std::vector<fs::path> tests;
  for (const auto& e : fs::directory_iterator(kNodeTests))
    if (filter == nullptr || e.path().filename().string().find(filter) != std::string::npos)
      tests.push_back(e.path());
  std::sort(tests.begin(), tests.end());
  int passed = 0, failed = 0, skipped = 0;
  std::map<std::string, int> unsupported_by_op;
  for (const fs::path& dir : tests) {
    bool unsupported = false;
    std::string op;
    if (std::getenv("TESSERA_NODE_TEST_VERBOSE") != nullptr)
      fmt::print(stderr, "{}\n", dir.filename().string());
    std::string reason = run_node_test(dir, unsupported, op);
    if (unsupported) {
      if (std::getenv("TESSERA_NODE_TEST_VERBOSE") != nullptr)
        fmt::print(stderr, "  unsupported: {}\n", reason);
      ++skipped;
      ++unsupported_by_op[op];
    } else if (reason.empty()) {
      ++passed;
    } else {
      ++failed;
      ADD_FAILURE() << dir.filename().string() << ": " << reason;
    }
  }
  std::string by_op;
  for (const auto& [op, n] : unsupported_by_op) by_op += fmt::format(" {}:{}", op, n);
  fmt::print(
      "ONNX node tests: {} passed, {} unsupported, {} failed (of {})\nunsupported by op:{}\n",
      passed, skipped, failed, tests.size(), by_op);
}

}  // namespace
}  // namespace tessera::frontend
