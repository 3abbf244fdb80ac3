// Target strings: parsing, canonical form, and the errors users see.
#include <gtest/gtest.h>

#include "../common/error_of.h"
#include "tessera/support/target.h"

namespace tessera {
namespace {

TEST(Target, ParsesAndPrintsCanonically) {
  Target t = Target::parse("llvm -mcpu=skylake-avx512 -num-cores=4");
  EXPECT_EQ(t.kind, "llvm");
  EXPECT_EQ(t.cpu, "skylake-avx512");
  EXPECT_EQ(t.num_cores, 4);
  EXPECT_EQ(t.str(), "llvm -mcpu=skylake-avx512 -num-cores=4");
  EXPECT_EQ(Target::parse(t.str()).str(), t.str());
  Target native = Target::parse("llvm").canonical();
  EXPECT_EQ(native.cpu, host_cpu_name());
  EXPECT_GE(native.num_cores, 1);
  EXPECT_EQ(Target::host().str(), native.str());
  EXPECT_EQ(Target::parse("c -num-cores=1").str(), "c -num-cores=1");
}

TEST(Target, ErrorsNameTheBadPart) {
  using testing_util::error_of;
  EXPECT_NE(error_of([] { Target::parse(""); }).find("target string is empty"), std::string::npos);
  EXPECT_NE(error_of([] { Target::parse("cuda"); }).find("target 'cuda': unknown kind 'cuda' (the kinds are llvm and c)"), std::string::npos);
  EXPECT_NE(error_of([] { Target::parse("llvm -num-cores=two"); }).find("-num-cores must be a positive integer, got 'two'"), std::string::npos);
  EXPECT_NE(error_of([] { Target::parse("llvm -mcpu="); }).find("-mcpu= needs a CPU name"), std::string::npos);
  EXPECT_NE(error_of([] { Target::parse("c -mcpu=znver4"); }).find("unknown option '-mcpu=znver4' (a c target takes -num-cores=N)"), std::string::npos);
}

}  // namespace
}  // namespace tessera
