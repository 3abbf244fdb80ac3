// libFuzzer target for the IR text parser: any input either parses or raises
// tessera::Error; a program that parses prints and re-parses to an equal one.
// Built only with -Dfuzz=true (clang); run briefly by the test suite and for as
// long as you like by hand:
//   build-sanitize/tests/parser_fuzzer -max_total_time=600 CORPUS_DIR
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/support/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tessera::PrimFunc func;
  try {
    func = tessera::parse_prim_func(text, "<fuzz>");
  } catch (const tessera::Error&) {
    return 0;  // rejected with a located error: fine
  }
  std::string printed = tessera::print(func);
  tessera::PrimFunc again = tessera::parse_prim_func(printed, "<reprinted>");  // must not throw
  if (!tessera::structural_equal(func, again) || tessera::print(again) != printed) std::abort();
  return 0;
}
