// `tessera workloads`: every workload of the library, its parameters and the FLOPs of
// each preset shape.
#include <fmt/format.h>

#include "commands.h"
#include "tessera/te/workloads.h"

namespace tessera::cli {
namespace {

std::string human_flops(int64_t flops) {
  if (flops >= 1000000000) return fmt::format("{:.2f} G", static_cast<double>(flops) / 1e9);
  if (flops >= 1000000) return fmt::format("{:.2f} M", static_cast<double>(flops) / 1e6);
  if (flops >= 1000) return fmt::format("{:.2f} K", static_cast<double>(flops) / 1e3);
  return fmt::format("{}", flops);
}

int list_workloads() {
  for (const WorkloadInfo* w : workloads::list()) {
    fmt::print("{:<18} {}\n", w->name, w->description);
    std::vector<std::string> params;
    for (const WorkloadParam& p : w->params) {
      std::string text = p.name;
      if (!p.choices.empty()) text += "=" + fmt::format("{}", fmt::join(p.choices, "|"));
      if (!p.default_value.empty()) text += "(" + p.default_value + ")";
      params.push_back(text);
    }
    fmt::print("{:<18}   params: {}\n", "", fmt::join(params, ","));
    if (w->shapes.empty()) {
      Workload def = workloads::get(w->name);
      fmt::print("{:<18}   default {}: {}FLOP\n", "", def.spec, human_flops(def.flops));
    }
    for (size_t i = 0; i < w->shapes.size(); ++i) {
      Workload shape = workloads::get(fmt::format("{}:{}", w->name, i));
      fmt::print("{:<18}   {}:{}  {}FLOP  ({})\n", "", w->name, i, human_flops(shape.flops),
                 shape.spec);
    }
  }
  return 0;
}

}  // namespace

Command add_workloads_command(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "workloads", "list every workload: name, description, FLOPs of each preset shape");
  app->footer(
      "Lists every workload of the library with its description, parameters (with choices and\n"
      "defaults) and the FLOPs of each preset shape.");
  return {app, list_workloads};
}

}  // namespace tessera::cli
