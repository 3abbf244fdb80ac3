// Version facts recorded with every tuning result: tessera's release and commit.
#pragma once

namespace tessera {

const char* version();       // the release, e.g. "0.1.0"
const char* git_commit();    // short commit hash of the build, or "unknown"
const char* llvm_version();  // the LLVM release tessera was built against

}  // namespace tessera
