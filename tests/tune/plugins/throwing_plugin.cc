// A test plugin whose registration fails with a tessera::Error.
#include "tessera/tessera.h"

TESSERA_PLUGIN(registrar) {
  (void)registrar;
  tessera::fail("this test plugin cannot register");
}
