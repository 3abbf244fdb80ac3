#include <charconv>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "common.h"
#include "tessera/ir/parser.h"
#include "tessera/te/flops.h"

namespace tessera {

int64_t WorkloadArgs::integer(const std::string& name) const {
  auto it = values_.find(name);
  TESSERA_CHECK(it != values_.end(), "workload parameter '{}' was not declared", name);
  return std::stoll(it->second);
}

const std::string& WorkloadArgs::text(const std::string& name) const {
  auto it = values_.find(name);
  TESSERA_CHECK(it != values_.end(), "workload parameter '{}' was not declared", name);
  return it->second;
}

namespace workloads {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<WorkloadInfo>> entries;
};

// Function-local statics inside libtessera: one registry for the driver and plugins.
Registry& storage() {
  static Registry r;
  return r;
}

Registry& registry() {
  Registry& r = storage();
  static std::once_flag builtins;
  std::call_once(builtins, [] {
    workload_detail::register_matmul_workloads();
    workload_detail::register_conv_workloads();
    workload_detail::register_norm_workloads();
    workload_detail::register_elementwise_workloads();
  });
  return r;
}

bool is_suite_entry(const WorkloadInfo& w) { return !w.shapes.empty(); }

std::string names_list() {
  std::vector<std::string> names;
  for (const WorkloadInfo* w : list()) names.push_back(w->name);
  return fmt::format("{}", fmt::join(names, ", "));
}

std::string params_list(const WorkloadInfo& w) {
  std::vector<std::string> items;
  for (const WorkloadParam& p : w.params) {
    std::string item = p.name;
    if (!p.choices.empty()) item += "=" + fmt::format("{}", fmt::join(p.choices, "|"));
    if (!p.default_value.empty()) item += fmt::format(" (default {})", p.default_value);
    items.push_back(item);
  }
  return fmt::format("{}", fmt::join(items, ", "));
}

bool looks_like_file(const std::string& spec) {
  return spec.find('/') != std::string::npos ||
         (spec.size() > 4 && spec.substr(spec.size() - 4) == ".tir");
}

struct Resolved {
  const WorkloadInfo* info;
  std::map<std::string, std::string> values;
};

Resolved resolve(const std::string& spec) {
  std::string name = spec.substr(0, spec.find(':'));
  std::string rest = spec.find(':') == std::string::npos ? "" : spec.substr(spec.find(':') + 1);
  const WorkloadInfo* info = find(name);
  if (info == nullptr) {
    fail("unknown workload '{}'; valid names: {} (or the path of an IR text file)", name,
         names_list());
  }
  std::map<std::string, std::string> values;
  for (const WorkloadParam& p : info->params) {
    if (!p.default_value.empty()) values[p.name] = p.default_value;
  }
  std::vector<std::string> items;
  std::stringstream stream(rest);
  for (std::string item; std::getline(stream, item, ',');) items.push_back(item);
  if (!rest.empty() && rest.back() == ',') fail("workload '{}': trailing ',' in '{}'", name, spec);
  bool preset = false;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& item = items[i];
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      int64_t index = -1;
      auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), index);
      if (i != 0 || ec != std::errc() || p != item.data() + item.size()) {
        fail(
            "workload '{}': '{}' is neither a shape index (first, e.g. {}:0) nor name=value; "
            "parameters: {}",
            name, item, name, params_list(*info));
      }
      if (index < 0 || index >= static_cast<int64_t>(info->shapes.size())) {
        fail("workload '{}': shape index {} out of range ({})", name, index,
             info->shapes.empty() ? std::string("it has no preset shapes")
                                  : fmt::format("0..{}", info->shapes.size() - 1));
      }
      const auto& shape = info->shapes[static_cast<size_t>(index)];
      for (size_t k = 0; k < shape.size(); ++k)
        values[info->params[k].name] = std::to_string(shape[k]);
      preset = true;
      continue;
    }
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto param = std::find_if(info->params.begin(), info->params.end(),
                              [&](const WorkloadParam& p) { return p.name == key; });
    if (param == info->params.end()) {
      fail("workload '{}' has no parameter '{}'; parameters: {}", name, key, params_list(*info));
    }
    if (!param->choices.empty()) {
      if (std::find(param->choices.begin(), param->choices.end(), value) == param->choices.end()) {
        fail("workload '{}': {}={} is not one of {}", name, key, value,
             fmt::join(param->choices, ", "));
      }
    } else {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
      if (ec != std::errc() || p != value.data() + value.size()) {
        fail("workload '{}': {}={} is not an integer", name, key, value);
      }
      if (v < param->min_value)
        fail("workload '{}': {}={} must be at least {}", name, key, value, param->min_value);
      value = std::to_string(v);
    }
    values[key] = value;
  }
  if (!preset && items.empty() && is_suite_entry(*info)) {
    const auto& shape = info->shapes[0];
    for (size_t k = 0; k < shape.size(); ++k)
      values[info->params[k].name] = std::to_string(shape[k]);
  }
  std::vector<std::string> missing;
  for (const WorkloadParam& p : info->params) {
    if (values.count(p.name) == 0) missing.push_back(p.name);
  }
  if (!missing.empty()) {
    fail("workload '{}': missing parameter(s) {}; give a shape index ({}:0) or every parameter: {}",
         name, fmt::join(missing, ", "), name, params_list(*info));
  }
  return {info, values};
}

std::string canonical(const Resolved& r) {
  std::vector<std::string> items;
  for (const WorkloadParam& p : r.info->params) items.push_back(p.name + "=" + r.values.at(p.name));
  return r.info->name + ":" + fmt::format("{}", fmt::join(items, ","));
}

}  // namespace

std::vector<const WorkloadInfo*> list() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const WorkloadInfo*> out;
  for (const auto& e : r.entries) out.push_back(e.get());
  // Names are unique, so this order is total (std::stable_sort trips clang 19 + libstdc++ 12
  // deprecations).
  std::sort(out.begin(), out.end(), [](const WorkloadInfo* a, const WorkloadInfo* b) {
    if (is_suite_entry(*a) != is_suite_entry(*b)) return is_suite_entry(*a);
    return a->name < b->name;
  });
  return out;
}

const WorkloadInfo* find(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const auto& e : r.entries) {
    if (e->name == name) return e.get();
  }
  return nullptr;
}

void add(WorkloadInfo info) {
  if (info.name.empty() || info.name.find_first_of(":,=/ ") != std::string::npos) {
    fail("invalid workload name '{}'", info.name);
  }
  for (const auto& shape : info.shapes) {
    TESSERA_CHECK(shape.size() <= info.params.size(),
                  "workload '{}': preset shape longer than its parameters", info.name);
  }
  Registry& r = storage();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const auto& e : r.entries) {
    if (e->name == info.name) fail("workload '{}' is registered twice", info.name);
  }
  r.entries.push_back(std::make_unique<WorkloadInfo>(std::move(info)));
}

std::string canonical_spec(const std::string& spec) {
  if (looks_like_file(spec)) return spec;
  return canonical(resolve(spec));
}

Workload get(const std::string& spec) {
  Workload w;
  w.spec = spec;
  if (looks_like_file(spec)) {
    std::ifstream in(spec);
    if (!in) fail("cannot read workload file '{}'", spec);
    std::stringstream text;
    text << in.rdbuf();
    w.func = parse_prim_func(text.str(), spec);
  } else {
    Resolved r = resolve(spec);
    w.spec = canonical(r);
    try {
      w.func = r.info->build(WorkloadArgs(r.values));
    } catch (Error& e) {
      throw e.add_context(fmt::format("while building workload {}", w.spec));
    }
  }
  w.flops = count_flops(w.func);
  return w;
}

}  // namespace workloads
}  // namespace tessera
