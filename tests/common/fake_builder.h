// A Builder for tests of the tuning loop: it "builds" nothing; each result's library path
// carries the program's hash, from which a fake runner makes up a run time.
#pragma once

#include <string>
#include <vector>

#include "tessera/tune/database.h"
#include "tessera/tune/measure.h"

namespace tessera::testing_util {

class FakeBuilder : public Builder {
 public:
  std::vector<BuildResult> build(const std::vector<PrimFunc>& scheduled, const Target&,
                                 const std::string&) override {
    std::vector<BuildResult> out;
    for (const PrimFunc& f : scheduled) {
      BuildResult b;
      b.library_path = program_hash(f);
      b.function_name = f->name;
      out.push_back(b);
    }
    return out;
  }
};

}  // namespace tessera::testing_util
