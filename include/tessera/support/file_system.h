// Files the way tessera writes them: scratch directories that clean up after themselves,
// and replacing a file so that a reader (or a crash) sees either the old or the new
// content, never a part.
//
//   TemporaryDirectory scratch("tessera-c");          // /tmp/tessera-c-XXXXXX, removed at scope
//   end write_file_atomically("model.json", text);        // model.json.tmp, synced, then renamed
#pragma once

#include <string>

namespace tessera {

class TemporaryDirectory {
 public:
  /// A fresh directory under the system's temporary directory, named `prefix-XXXXXX`;
  /// throws Error when it cannot be created.
  explicit TemporaryDirectory(const std::string& prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Writes `content` to `path + ".tmp"`, syncs it and renames it over `path`. Throws Error
/// naming the file (and a missing directory as such); `path` is untouched on failure.
void write_file_atomically(const std::string& path, const std::string& content);

/// Throws Error "cannot write PATH: the directory D does not exist" when the directory
/// that would hold `path` is missing (an error users understand, where opening the file
/// would report only that it cannot be written).
void check_parent_directory(const std::string& path);

}  // namespace tessera
