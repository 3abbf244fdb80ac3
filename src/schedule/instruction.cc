#include "tessera/schedule/instruction.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "tessera/support/error.h"

namespace tessera {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<InstructionKind>> kinds;
};

// A function-local static inside libtessera: one registry for the library and plugins.
Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

InstructionRegistration::InstructionRegistration(InstructionKind kind) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.kinds.count(kind.name) != 0) fail("instruction kind '{}' is registered twice", kind.name);
  std::string name = kind.name;
  r.kinds.emplace(name, std::make_unique<InstructionKind>(std::move(kind)));
}

const InstructionKind* find_instruction_kind(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.kinds.find(name);
  return it == r.kinds.end() ? nullptr : it->second.get();
}

std::vector<const InstructionKind*> instruction_kinds() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<const InstructionKind*> out;
  for (const auto& [name, kind] : r.kinds) out.push_back(kind.get());
  return out;
}

}  // namespace tessera
