#include "tessera/runtime/measurement_gate.h"

namespace tessera {

std::shared_mutex& measurement_gate() {
  static std::shared_mutex gate;
  return gate;
}

}  // namespace tessera
