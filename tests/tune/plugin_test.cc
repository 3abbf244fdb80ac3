// Plugin loading: a good plugin's entries appear with its path as origin and work; a
// wrong ABI version, a library without the entry point, a duplicate name and a file that
// is not a shared library are each a clear error naming the file, and register nothing.
#include <gtest/gtest.h>

#include <fstream>

#include "../common/error_of.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/plugin.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"

namespace tessera {
namespace {

using testing_util::error_of;

bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}

bool registered(ComponentKind kind, const std::string& name) {
  for (const ComponentEntry* e : registered_components(kind)) {
    if (e->name == name) return true;
  }
  return false;
}

TEST(Plugin, AGoodPluginRegistersItsEntriesUnderItsPath) {
  load_plugin(TESSERA_TEST_PLUGIN_GOOD);
  load_plugin(TESSERA_TEST_PLUGIN_GOOD);  // a second load is a no-op, not a duplicate
  const ComponentEntry& rule = find_component(ComponentKind::kScheduleRule, "SplitInnermostByTwo");
  EXPECT_TRUE(has(rule.origin, "good_plugin"));
  EXPECT_TRUE(registered(ComponentKind::kPostproc, "RejectEverything"));
  EXPECT_TRUE(registered(ComponentKind::kMutator, "NeverMutates"));
  EXPECT_EQ(find_space("plugin_space").name, "plugin_space");

  // Its rule generates a space, and its postprocessor rejects with its reason.
  TuneContext ctx(workloads::get("elementwise:m=4,n=8"), Target::parse("llvm -num-cores=2"));
  ctx.space_generator = std::make_shared<PostOrderApply>(std::vector<std::shared_ptr<ScheduleRule>>{
      make_component<ScheduleRule>("SplitInnermostByTwo")});
  std::vector<Schedule> sketches = ctx.generate_design_space();
  ASSERT_EQ(sketches.size(), 1u);
  EXPECT_TRUE(has(sketches[0].trace()->as_cpp(), "sch.split("));
  CandidateResult c = sample_candidate(*sketches[0].trace(), ctx.workload.func, 1,
                                       {make_component<Postproc>("RejectEverything")});
  EXPECT_FALSE(c.schedule);
  EXPECT_EQ(c.rejected_by, "RejectEverything");
  EXPECT_EQ(c.reason, "this test postprocessor rejects every program");
}

TEST(Plugin, AWrongAbiVersionIsAnErrorNamingTheFile) {
  EXPECT_EQ(error_of([] { load_plugin(TESSERA_TEST_PLUGIN_WRONG_ABI); }),
            fmt::format("plugin '{}' was built for tessera plugin ABI version 999, this tessera "
                        "has version {}: rebuild the plugin against this tessera",
                        TESSERA_TEST_PLUGIN_WRONG_ABI, TESSERA_PLUGIN_ABI_VERSION));
}

TEST(Plugin, ALibraryWithoutTheEntryPointIsNotAPlugin) {
  EXPECT_EQ(error_of([] { load_plugin(TESSERA_TEST_PLUGIN_NO_ENTRY); }),
            fmt::format("'{}' is a shared library but not a tessera plugin: it defines no "
                        "tessera_plugin_entry (write one with TESSERA_PLUGIN, "
                        "tessera/tune/plugin.h)",
                        TESSERA_TEST_PLUGIN_NO_ENTRY));
}

TEST(Plugin, ADuplicateNameIsAnErrorAndRegistersNothing) {
  EXPECT_EQ(error_of([] { load_plugin(TESSERA_TEST_PLUGIN_DUPLICATE); }),
            fmt::format("plugin '{0}': schedule rule 'MultiLevelTiling' is registered twice: by "
                        "built in and by {0}",
                        TESSERA_TEST_PLUGIN_DUPLICATE));
  EXPECT_FALSE(registered(ComponentKind::kScheduleRule, "FreshNameFromADuplicatePlugin"));
  EXPECT_EQ(find_component(ComponentKind::kScheduleRule, "MultiLevelTiling").origin, "built in");
}

TEST(Plugin, ANameTwiceInOnePluginASpaceClashAndAFailingEntry) {
  EXPECT_EQ(error_of([] { load_plugin(TESSERA_TEST_PLUGIN_TWICE); }),
            fmt::format("plugin '{}' registers schedule rule 'TwiceInOnePlugin' twice",
                        TESSERA_TEST_PLUGIN_TWICE));
  EXPECT_FALSE(registered(ComponentKind::kScheduleRule, "TwiceInOnePlugin"));
  EXPECT_EQ(error_of([] { load_plugin(TESSERA_TEST_PLUGIN_SPACE_CLASH); }),
            fmt::format("plugin '{}': space 'gemm_manual' is already registered",
                        TESSERA_TEST_PLUGIN_SPACE_CLASH));
  std::string error = error_of([] { load_plugin(TESSERA_TEST_PLUGIN_THROWING); });
  EXPECT_TRUE(has(error, "this test plugin cannot register")) << error;
  EXPECT_TRUE(has(
      error, fmt::format("while plugin '{}' registered its entries", TESSERA_TEST_PLUGIN_THROWING)))
      << error;
}

TEST(Plugin, AFileThatIsNotASharedLibraryOrDoesNotExist) {
  const std::string path = ::testing::TempDir() + "not_a_plugin.so";
  std::ofstream(path) << "just text\n";
  std::string error = error_of([&] { load_plugin(path); });
  EXPECT_TRUE(
      has(error, fmt::format("plugin '{}' is not a shared library tessera can load: ", path)))
      << error;
  EXPECT_EQ(error_of([] { load_plugin("/nonexistent/plugin.so"); }),
            "plugin '/nonexistent/plugin.so': no such file");
}

TEST(Plugin, PluginPathDirectoriesAreLoadedAndAMissingOneIsAnError) {
  ::setenv("TESSERA_PLUGIN_PATH", "/nonexistent-plugin-dir", 1);
  EXPECT_EQ(error_of([] { load_plugins_from_environment(); }),
            "TESSERA_PLUGIN_PATH names '/nonexistent-plugin-dir', which is not a directory");
  ::unsetenv("TESSERA_PLUGIN_PATH");
  EXPECT_NO_THROW(load_plugins_from_environment());
}

}  // namespace
}  // namespace tessera
