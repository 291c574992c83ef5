// Helpers for the library tests: a scratch directory and file counting.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "library/library.h"

namespace pasaprod::testing_library {

// A fresh directory under the system temp dir, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pasaprod-lib-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Regular files anywhere under `dir`.
inline int count_files(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) ++n;
  }
  return n;
}

// Options for the two ways of holding a temporary: O_TMPFILE (named_temp = false) or a named
// file in tmp/ (named_temp = true).
inline LibraryOptions options_for(bool named_temp) {
  LibraryOptions o;
  o.TEST_force_named_temp = named_temp;
  return o;
}

inline std::string temp_mode_name(bool named_temp) { return named_temp ? "NamedTemp" : "TmpFile"; }

}  // namespace pasaprod::testing_library
