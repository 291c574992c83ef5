#include "storage/sqlite/db.h"

#include <string>

#include "storage/sqlite/wal_batching_vfs.h"
#include "util/sqlite_process.h"

namespace pasaprod::sqlite {

void throw_sqlite(sqlite3* db, int rc, std::string_view context) {
  std::string what(context);
  what += ": ";
  what += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(rc, what);
}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Stmt& Stmt::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  return *this;
}

Stmt& Stmt::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, sqlite3_sql(stmt_));
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Stmt::integer(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string_view Stmt::text_view(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::string Stmt::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Connection::Connection(const std::string& path, Mode mode, int busy_timeout_ms, bool batch_wal) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (mode == Mode::read_write) flags |= SQLITE_OPEN_CREATE;
  configure_sqlite_process();
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, batch_wal ? wal_batching_vfs() : nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteError(rc, what);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  try {
    // No mmap: the database grows with every few writes, and each growth makes every other
    // connection unmap and fault its mapping in again at its next read (measured: ~20% of the
    // server's CPU per request on the write path). Reads copy pages into the connection's own
    // cache (cache_size, 2 MiB by default) from the OS page cache instead.
    exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA mmap_size = 0;");
    if (mode == Mode::read_only) exec("PRAGMA query_only = ON;");
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Connection::exec(const char* sql) {
  int rc = try_exec(sql);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, sql);
}

int Connection::try_exec(const char* sql) {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

int Connection::try_run_cached(const std::string& sql) {
  Stmt st = prepare(sql);  // its destructor resets the statement
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) rc = sqlite3_step(st.stmt_);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

Stmt Connection::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, sql);
    it = cache_.emplace(sql, stmt).first;
  }
  return Stmt(db_, it->second);
}

void Connection::rollback_quietly() noexcept {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace pasaprod::sqlite
