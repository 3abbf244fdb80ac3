// `tessera import`: an ONNX model's tuning tasks (the fused subgraphs tessera tunes).
#include <fmt/format.h>

#include "commands.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/frontend/tasks.h"
#include "tessera/ir/printer.h"

namespace tessera::cli {
namespace {

struct ImportCommandOptions {
  std::string model;
  std::vector<std::string> input_shapes;
  bool print_ir = false;
  int64_t task = -1;
  CLI::Option* task_option = nullptr;
};

int list_tasks(const ImportCommandOptions& options) {
  frontend::ImportOptions import_options;
  for (const std::string& s : options.input_shapes) frontend::parse_input_shape(s, import_options);
  frontend::Graph graph = frontend::import_onnx(options.model, import_options);
  frontend::Partition p = frontend::partition(graph);
  if (options.task >= 0) {  // one task's program alone, to tune or replay it as a workload
    if (options.task >= static_cast<int64_t>(p.tasks.size()))
      fail("--task {}: the model has {} distinct tasks (0 to {})", options.task, p.tasks.size(),
           p.tasks.size() - 1);
    fmt::print("{}\n", print(p.tasks[static_cast<size_t>(options.task)].func));
    return 0;
  }
  int64_t total = 0;
  for (const frontend::Task& t : p.tasks) total += t.flops * t.weight;
  int load_steps = 0, views = 0;
  for (const frontend::Step& s : p.steps) {
    load_steps += s.at_load ? 1 : 0;
    views += s.kind == frontend::Step::Kind::kView ? 1 : 0;
  }
  fmt::print("{}: opset {}, {} nodes, {} tasks ({} distinct), {:.3f} GFLOP per run\n",
             options.model, graph.opset, graph.nodes.size(),
             p.steps.size() - static_cast<size_t>(views + load_steps), p.tasks.size(),
             static_cast<double>(total) / 1e9);
  fmt::print("{:>4}  {:<36} {:<18} {:<22} {:>12} {:>6} {:>7}\n", "#", "task", "anchor", "shape",
             "FLOPs", "weight", "share");
  for (size_t i = 0; i < p.tasks.size(); ++i) {
    const frontend::Task& t = p.tasks[i];
    double share =
        total > 0 ? 100.0 * static_cast<double>(t.flops * t.weight) / static_cast<double>(total)
                  : 0;
    fmt::print("{:>4}  {:<36} {:<18} {:<22} {:>12} {:>6} {:>6.1f}%\n", i, t.name,
               t.anchor.empty() ? "-" : t.anchor, t.shape, t.flops, t.weight, share);
    if (options.print_ir) fmt::print("{}\n", print(t.func));
  }
  if (load_steps > 0)
    fmt::print("({} steps transform weights once, when the model loads)\n", load_steps);
  return 0;
}

}  // namespace

Command add_import_command(CLI::App& root) {
  auto options = std::make_shared<ImportCommandOptions>();
  CLI::App* app = root.add_subcommand("import", "import an ONNX model and list its tuning tasks");
  app->add_option("model", options->model, "the .onnx file")->required()->type_name("MODEL.onnx");
  app->add_option("--input-shape", options->input_shapes,
                  "pin the shape of an input with symbolic dimensions (repeatable)")
      ->type_name("NAME=D0,D1,...")
      ->take_last();
  app->add_flag("--print-ir", options->print_ir, "print each task's program");
  options->task_option =
      add_integer(app, "--task", options->task, int64_t{0},
                  "print only task N's program (IR text: a workload for tune and replay)");
  options->task_option->excludes(app->get_option("--print-ir"));
  app->footer(
      R"(Imports the model (ONNX checker, shape inference with the given input shapes, constant
folding), cuts it into tasks — each convolution, matmul, pool or reduction with the
elementwise operators fused after it, the rest in chains — and lists the distinct tasks:
name, anchor operator, output shape, FLOPs, how often it occurs (weight) and its share of
the model's FLOPs.)");
  return {app, [options] { return list_tasks(*options); }};
}

}  // namespace tessera::cli
