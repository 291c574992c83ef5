// Helpers for the library tests: a scratch directory, file counting, changing a stored blob.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
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
// file in tmp/ (named_temp = true); every blob a file (no small.db), whatever its size.
inline LibraryOptions options_for(bool named_temp) {
  LibraryOptions o;
  o.TEST_force_named_temp = named_temp;
  o.small_blob_max = 0;
  return o;
}

// Options where every blob is a file under blobs/ (no small.db).
inline LibraryOptions files_only() { return options_for(false); }

// Changes the byte at `offset` of the stored blob `sha256` behind the library's back: in its
// file under blobs/, or in its row of small.db.
inline void alter_blob(const Library& lib, const std::string& sha256, std::int64_t offset = 0) {
  const auto path = lib.path_of(sha256);
  if (std::filesystem::exists(path)) {
    std::filesystem::permissions(path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(offset);
    f.put('#');
    return;
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((lib.root() / "small.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open small.db");
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "UPDATE small_blobs SET content = CAST(substr(content, 1, ?2) || X'23' || substr(content, ?2 + 2) AS BLOB) "
                     "WHERE sha256 = ?1",
                     -1, &st, nullptr);
  sqlite3_bind_text(st, 1, sha256.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, offset);
  const int rc = sqlite3_step(st);
  const int changed = sqlite3_changes(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rc != SQLITE_DONE || changed != 1) throw std::runtime_error("no such small blob");
}

// Removes the stored blob `sha256` behind the library's back (its file or its row).
inline void lose_blob(const Library& lib, const std::string& sha256) {
  if (std::filesystem::remove(lib.path_of(sha256))) return;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((lib.root() / "small.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open small.db");
  }
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "DELETE FROM small_blobs WHERE sha256 = ?1", -1, &st, nullptr);
  sqlite3_bind_text(st, 1, sha256.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st);
  const int changed = sqlite3_changes(db);
  sqlite3_finalize(st);
  sqlite3_close(db);
  if (rc != SQLITE_DONE || changed != 1) throw std::runtime_error("no such small blob");
}

inline std::string temp_mode_name(bool named_temp) { return named_temp ? "NamedTemp" : "TmpFile"; }

}  // namespace pasaprod::testing_library
