// A test plugin that registers a space under a built-in space's name (gemm_manual).
#include "tessera/tessera.h"

TESSERA_PLUGIN(registrar) {
  registrar.add_space("gemm_manual", "test plugin: clashes with the built-in",
                      [](tessera::Schedule&) {});
}
