#include "tessera/schedule/space_registry.h"

#include <map>
#include <mutex>

#include "tessera/support/error.h"

namespace tessera {

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, SpaceEntry> spaces;
};

// Function-local, so registration from static initialisers of any object or plugin
// never runs before the registry exists.
Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_space(const std::string& name, const std::string& description, ScheduleFn apply) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.spaces.count(name) != 0) fail("space '{}' is registered twice", name);
  r.spaces.emplace(name, SpaceEntry{name, description, std::move(apply)});
}

const SpaceEntry& find_space(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.spaces.find(name);
  if (it == r.spaces.end()) {
    std::string known;
    for (const auto& [n, entry] : r.spaces) known += (known.empty() ? "" : ", ") + n;
    fail("no space named '{}' (registered: {})", name, known.empty() ? "none" : known);
  }
  return it->second;
}

std::vector<const SpaceEntry*> registered_spaces() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const SpaceEntry*> out;
  for (const auto& [n, entry] : r.spaces) out.push_back(&entry);
  return out;
}

}  // namespace tessera
