#include "tessera/tune/registry.h"

#include <map>
#include <mutex>
#include <utility>

#include "tessera/support/error.h"

namespace tessera {

const char* to_string(ComponentKind kind) {
  switch (kind) {
    case ComponentKind::kScheduleRule: return "schedule rule";
    case ComponentKind::kPostproc: return "postprocessor";
    case ComponentKind::kMutator: return "mutator";
    case ComponentKind::kSpaceGenerator: return "space generator";
    case ComponentKind::kSearchStrategy: return "search strategy";
    case ComponentKind::kCostModel: return "cost model";
  }
  return "?";
}

namespace {

struct Registry {
  std::recursive_mutex mutex;  // a plugin's registrations run while its loader holds it
  std::map<std::pair<ComponentKind, std::string>, ComponentEntry> entries;
  std::string origin = "built in";
};

// Function-local, so static initialisers of any object or plugin find it constructed.
Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_component(ComponentEntry entry) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  entry.origin = r.origin;
  auto key = std::make_pair(entry.kind, entry.name);
  if (auto it = r.entries.find(key); it != r.entries.end()) {
    fail("{} '{}' is registered twice: by {} and by {}", to_string(entry.kind), entry.name,
         it->second.origin, entry.origin);
  }
  if (entry.name.empty())
    fail("a {} from {} has an empty name", to_string(entry.kind), entry.origin);
  r.entries.emplace(key, std::move(entry));
}

const ComponentEntry& find_component(ComponentKind kind, const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  if (auto it = r.entries.find({kind, name}); it != r.entries.end()) return it->second;
  std::string known;
  for (const auto& [key, entry] : r.entries) {
    if (key.first == kind) known += (known.empty() ? "" : ", ") + key.second;
  }
  fail("no {} named '{}' (registered: {})", to_string(kind), name, known.empty() ? "none" : known);
}

std::vector<const ComponentEntry*> registered_components(std::optional<ComponentKind> kind) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  std::vector<const ComponentEntry*> out;
  for (const auto& [key, entry] : r.entries) {
    if (!kind || key.first == *kind) out.push_back(&entry);
  }
  return out;
}

RegistrationOrigin::RegistrationOrigin(std::string origin) {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  previous_ = std::exchange(r.origin, std::move(origin));
}

RegistrationOrigin::~RegistrationOrigin() {
  Registry& r = registry();
  std::lock_guard<std::recursive_mutex> lock(r.mutex);
  r.origin = std::move(previous_);
}

}  // namespace tessera
