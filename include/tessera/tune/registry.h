// The registry of tuning components by name: schedule rules, postprocessors, mutators,
// space generators (and, with the search, strategies and cost models). It is one
// function-local static inside libtessera (DESIGN.md §6), so built-in entries are never
// dropped by the linker and a plugin registers into the same registry the driver reads.
// Each entry records where it came from: "built in", or the plugin file that was being
// loaded when it registered.
//
//   class MyRule : public ScheduleRule { ... };
//   TESSERA_REGISTER_COMPONENT(ScheduleRule, MyRule, "tiles my blocks", "factor=8");
//   std::shared_ptr<ScheduleRule> rule = make_component<ScheduleRule>("MyRule");
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera {

enum class ComponentKind {
  kScheduleRule,
  kPostproc,
  kMutator,
  kSpaceGenerator,
  kSearchStrategy,
  kCostModel
};

/// "schedule rule", "postprocessor", "mutator", "space generator", "search strategy", "cost model".
const char* to_string(ComponentKind kind);

struct ComponentEntry {
  ComponentKind kind = ComponentKind::kScheduleRule;
  std::string name;         // CamelCase, unique within its kind
  std::string description;  // one line
  std::string parameters;   // the parameters and their defaults, "max_jobs_per_core=16, ..."
  std::string origin;       // "built in" or the plugin's path (set by the registry)
  std::function<std::shared_ptr<void>()> make;  // a new instance with the default parameters
};

/// Adds an entry (its origin is the plugin being loaded, if any); a name taken within
/// the kind is an Error naming both origins.
void register_component(ComponentEntry entry);
/// The entry; an Error listing the registered names of that kind if there is none.
const ComponentEntry& find_component(ComponentKind kind, const std::string& name);
/// Registered entries (of one kind, or all), sorted by kind and name.
std::vector<const ComponentEntry*> registered_components(
    std::optional<ComponentKind> kind = std::nullopt);

/// A new instance of the component `name` of interface T (T::kKind says the kind).
template <typename T>
std::shared_ptr<T> make_component(const std::string& name) {
  return std::static_pointer_cast<T>(find_component(T::kKind, name).make());
}

/// While one lives, registrations are attributed to `origin` (the plugin loader's use).
class RegistrationOrigin {
 public:
  explicit RegistrationOrigin(std::string origin);
  ~RegistrationOrigin();
  RegistrationOrigin(const RegistrationOrigin&) = delete;
  RegistrationOrigin& operator=(const RegistrationOrigin&) = delete;

 private:
  std::string previous_;
};

}  // namespace tessera

/// Registers class `Class` (default-constructible, implementing `Interface`) under
/// `name`, from a static initialiser in the file that defines it.
#define TESSERA_REGISTER_COMPONENT_AS(Interface, Class, name, description, parameters)  \
  [[maybe_unused]] static const bool tessera_component_registered_##Class =             \
      (::tessera::register_component(                                                   \
           {Interface::kKind, name, description, parameters, "",                        \
            [] { return std::static_pointer_cast<void>(std::make_shared<Class>()); }}), \
       true)
/// The same, under the class's own name.
#define TESSERA_REGISTER_COMPONENT(Interface, Class, description, parameters) \
  TESSERA_REGISTER_COMPONENT_AS(Interface, Class, #Class, description, parameters)
