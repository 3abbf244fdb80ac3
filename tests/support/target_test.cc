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
  EXPECT_NE(error_of([] {
              Target::parse("cuda");
            }).find("target 'cuda': unknown kind 'cuda' (the kinds are llvm and c)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Target::parse("llvm -num-cores=two");
            }).find("-num-cores must be a positive integer, got 'two'"),
            std::string::npos);
  EXPECT_NE(error_of([] { Target::parse("llvm -mcpu="); }).find("-mcpu= needs a CPU name"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Target::parse("c -mcpu=znver4");
            }).find("unknown option '-mcpu=znver4' (a c target takes -num-cores=N)"),
            std::string::npos);
}

TEST(Target, FactsComeFromLLVMsDescriptionOfTheCPU) {
  const TargetFacts& haswell = Target::parse("llvm -mcpu=haswell").facts();
  EXPECT_EQ(haswell.vector_register_bytes, 32);
  EXPECT_TRUE(haswell.has("avx2"));
  EXPECT_TRUE(haswell.has("fma"));
  EXPECT_FALSE(haswell.has("avx512f"));
  EXPECT_EQ(haswell.l2_cache_bytes,
            host_cpu_name() == "haswell" ? haswell.l2_cache_bytes : 0);  // unknown for another CPU
  const TargetFacts& skylake = Target::parse("llvm -mcpu=skylake-avx512").facts();
  EXPECT_EQ(skylake.vector_register_bytes, 64);
  EXPECT_TRUE(skylake.has("avx512f"));
  EXPECT_FALSE(skylake.has("avx512bf16"));
  const TargetFacts& cooper = Target::parse("llvm -mcpu=cooperlake").facts();
  EXPECT_TRUE(cooper.has("avx512vnni"));
  EXPECT_TRUE(cooper.has("avx512bf16"));
  EXPECT_TRUE(Target::parse("llvm -mcpu=sapphirerapids").facts().has("amx-int8"));
  // The C backend compiles generic x86-64 code (cc -O2, no -march).
  EXPECT_EQ(Target::parse("c").facts().vector_register_bytes, 16);
  // Once per CPU: the same object every time.
  EXPECT_EQ(&Target::parse("llvm -mcpu=haswell -num-cores=3").facts(), &haswell);
  // This machine: what LLVM says of the host CPU, and the operating system's caches.
  const TargetFacts& host = Target::host().facts();
  EXPECT_GE(host.vector_register_bytes, 16);
  EXPECT_GT(host.l1d_cache_bytes, 0);
  EXPECT_GE(host.l2_cache_bytes, host.l1d_cache_bytes);
  EXPECT_NE(testing_util::error_of([] {
              Target::parse("llvm -mcpu=pentium9").facts();
            }).find("LLVM knows no CPU 'pentium9'"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera
