#include "tessera/tune/plugin.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>

#include "tessera/support/error.h"

namespace tessera {
namespace {

using PluginEntry = int (*)(PluginRegistrar*);

struct Loaded {
  std::mutex mutex;
  std::vector<std::string> paths;
};

Loaded& loaded() {
  static Loaded l;
  return l;
}

}  // namespace

void load_plugin(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail("plugin '{}': no such file", path);
  const std::string canonical = std::filesystem::canonical(path).string();
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  if (std::find(l.paths.begin(), l.paths.end(), canonical) != l.paths.end()) return;

  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    fail("plugin '{}' is not a shared library tessera can load: {}", path,
         why != nullptr ? why : "dlopen failed");
  }
  struct Closer {
    void* handle;
    bool keep = false;
    ~Closer() {
      if (!keep) dlclose(handle);
    }
  } closer{handle};
  auto entry = reinterpret_cast<PluginEntry>(dlsym(handle, "tessera_plugin_entry"));
  if (entry == nullptr) {
    fail(
        "'{}' is a shared library but not a tessera plugin: it defines no tessera_plugin_entry "
        "(write one with TESSERA_PLUGIN, "
        "tessera/tune/plugin.h)",
        path);
  }
  const int version = entry(nullptr);
  if (version != TESSERA_PLUGIN_ABI_VERSION) {
    fail(
        "plugin '{}' was built for tessera plugin ABI version {}, this tessera has version {}: "
        "rebuild the plugin against this tessera",
        path, version, TESSERA_PLUGIN_ABI_VERSION);
  }
  PluginRegistrar registrar;
  try {
    entry(&registrar);
  } catch (Error& e) {
    throw e.add_context(fmt::format("while plugin '{}' registered its entries", path));
  } catch (const std::exception& e) {
    fail("plugin '{}' failed while registering its entries: {}", path, e.what());
  }
  // Check everything first, so that a failing plugin registers nothing.
  std::set<std::pair<ComponentKind, std::string>> names;
  for (const ComponentEntry& c : registrar.components) {
    if (c.name.empty() || !c.make)
      fail("plugin '{}': a {} without a name or a constructor", path, to_string(c.kind));
    if (!names.insert({c.kind, c.name}).second)
      fail("plugin '{}' registers {} '{}' twice", path, to_string(c.kind), c.name);
    for (const ComponentEntry* e : registered_components(c.kind)) {
      if (e->name == c.name)
        fail("plugin '{}': {} '{}' is registered twice: by {} and by {}", path, to_string(c.kind),
             c.name, e->origin, path);
    }
  }
  std::set<std::string> space_names;
  for (const SpaceEntry& s : registrar.spaces) {
    if (!space_names.insert(s.name).second)
      fail("plugin '{}' registers space '{}' twice", path, s.name);
    for (const SpaceEntry* e : registered_spaces()) {
      if (e->name == s.name) fail("plugin '{}': space '{}' is already registered", path, s.name);
    }
  }
  RegistrationOrigin origin(path);
  for (ComponentEntry& c : registrar.components) register_component(std::move(c));
  for (SpaceEntry& s : registrar.spaces) register_space(s.name, s.description, std::move(s.apply));
  closer.keep = true;  // its code now backs registry entries
  l.paths.push_back(canonical);
}

void load_plugins_from_environment() {
  const char* value = std::getenv("TESSERA_PLUGIN_PATH");
  if (value == nullptr || *value == '\0') return;
  std::string list = value;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(':', start);
    if (end == std::string::npos) end = list.size();
    const std::string dir = list.substr(start, end - start);
    start = end + 1;
    if (dir.empty()) continue;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      fail("TESSERA_PLUGIN_PATH names '{}', which is not a directory", dir);
    std::vector<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(dir)) {
      if (f.is_regular_file() && f.path().extension() == ".so") files.push_back(f.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      try {
        load_plugin(f);
      } catch (Error& e) {
        throw e.add_context("while loading the plugins in TESSERA_PLUGIN_PATH");
      }
    }
  }
}

std::vector<std::string> loaded_plugins() {
  Loaded& l = loaded();
  std::lock_guard<std::mutex> lock(l.mutex);
  return l.paths;
}

}  // namespace tessera
