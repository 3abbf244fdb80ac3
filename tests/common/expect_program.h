// Test helper: a program compared with the expected one, written in the IR text format.
// The expected text is parsed and compared with structural_equal (variable names are
// free, everything else counts), so a test states the whole result instead of searching
// the printed program for pieces of it. On a mismatch both programs are printed.
//
//   EXPECT_TRUE(same_program(lower_init(f), R"(
//     func gemm(A: float32[4, 4], ...) { ... }
//   )"));
//
// Writing a new test: leave the expected text empty (R"()"); the failure prints the actual
// program between <<< and >>>, and tests/tools/fill_expected_programs.py pastes it into
// the source for review.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/support/error.h"

namespace tessera::testing_util {

inline testing::AssertionResult same_program(const PrimFunc& actual,
                                             const std::string& expected_text) {
  if (expected_text.find_first_not_of(" \n\t") == std::string::npos) {
    return testing::AssertionFailure() << "no expected program yet; actual:\n<<<\n"
                                       << print(actual) << ">>>";
  }
  PrimFunc expected;
  try {
    expected = parse_prim_func(expected_text, "expected program");
  } catch (const Error& e) {
    return testing::AssertionFailure() << "the expected program does not parse: " << e.what();
  }
  if (structural_equal(actual, expected)) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "the program differs from the expected one.\nactual:\n"
                                     << print(actual) << "expected:\n"
                                     << print(expected);
}

}  // namespace tessera::testing_util
