// A thin RAII layer over the SQLite C API: a connection with a per-connection cache of
// prepared statements, and a statement handle that binds parameters and reads columns.
//
//   Connection db(path, Connection::Mode::read_write, 10000);
//   Stmt st = db.prepare("SELECT name FROM users WHERE username = ?");
//   st.bind(1, username);
//   while (st.step()) names.push_back(st.text(0));
//
// Values always go through bind(); SQL text is never built from values. Unexpected SQLite
// failures (I/O, corruption, misuse) throw SqliteError: they abort the operation.
//
// Thread-safety: a Connection and its Stmts must be used by one thread at a time (the store
// guards them); the SQLite library itself is opened in multi-thread mode.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace pasaprod::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }  // the (extended) SQLite result code

 private:
  int code_;
};

// A borrowed prepared statement. Resets it and clears its bindings on destruction, so the
// cached statement is ready for the next use. Must not outlive its Connection.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Stmt();
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  // Parameters are 1-based. Text is copied (SQLITE_TRANSIENT).
  Stmt& bind(int index, std::int64_t value);
  Stmt& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Stmt& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  Stmt& bind(int index, std::string_view value);
  Stmt& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
  Stmt& bind(int index, const char* value) { return bind(index, std::string_view(value)); }

  // Binds every argument in order, starting at parameter 1.
  template <class... Args>
  Stmt& bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Advances: true when a row is available, false when done. Throws SqliteError otherwise.
  bool step();
  // Steps to completion, expecting no rows (INSERT/UPDATE/DELETE).
  void run();
  // Makes the statement ready to run again: resets it and clears its bindings.
  void reset();

  // Columns are 0-based. NULL reads as 0 / "".
  std::int64_t integer(int col) const;
  std::string text(int col) const;
  // The text of a column without a copy; valid until the next step(), reset() or destruction.
  std::string_view text_view(int col) const;
  bool is_null(int col) const;

 private:
  friend class Connection;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  enum class Mode { read_write, read_only };

  // Opens (creating when read_write) the database at path and applies the connection
  // settings: busy_timeout, foreign_keys=ON, synchronous=FULL, no memory mapping;
  // read_only connections are also query_only. Files are accessed through wal_batching_vfs()
  // (one write per commit to the WAL), or through SQLite's default VFS when `batch_wal` is
  // false. Throws SqliteError when the file cannot be opened.
  Connection(const std::string& path, Mode mode, int busy_timeout_ms, bool batch_wal = true);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs parameterless SQL (possibly several statements). Throws SqliteError on failure.
  void exec(const char* sql);
  // Same, returning the SQLite result code instead of throwing.
  int try_exec(const char* sql);
  // Runs one parameterless statement from the statement cache, so it is parsed once per
  // connection (BEGIN IMMEDIATE and COMMIT run on every write). Returns the SQLite result code,
  // SQLITE_OK when it completed.
  int try_run_cached(const std::string& sql);

  // A cached prepared statement for this SQL text (prepared on first use).
  // REQUIRES: the same SQL is not in use by another live Stmt of this connection.
  Stmt prepare(const std::string& sql);

  // Prepares, binds args and returns the statement, ready to step().
  template <class... Args>
  Stmt query(const std::string& sql, const Args&... args) {
    Stmt st = prepare(sql);
    st.bind_all(args...);
    return st;
  }

  std::int64_t changes() const { return sqlite3_changes64(db_); }
  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  // Rolls back the open transaction, if any, ignoring errors (used on failure paths).
  void rollback_quietly() noexcept;
  sqlite3* raw() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;  // SQL text -> prepared statement
};

// Throws SqliteError with the connection's current message.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace pasaprod::sqlite
