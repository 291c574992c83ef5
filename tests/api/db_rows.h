// Reading the office's SQLite database from a test, beside the running server (read-only).
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace apitest {

// The rows of `sql` (its one parameter bound to `param`), each column as text ("" for NULL).
inline std::vector<std::vector<std::string>> db_rows(const std::filesystem::path& db_path, const std::string& sql,
                                                     const std::string& param) {
  std::vector<std::vector<std::string>> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    sqlite3_bind_text(st, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* text = sqlite3_column_text(st, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace apitest
