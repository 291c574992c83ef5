// A thin RAII layer over libpq: a connection, results with typed accessors, and server-side
// cursors for results read in chunks.
//
//   pg::Connection db(conninfo, password);
//   pg::Result r = db.exec("SELECT name FROM users WHERE username = $1", username);
//   for (int i = 0; i < r.rows(); ++i) names.push_back(r.row(i).text(0));
//
// Every statement goes through PQexecParams with text-format parameters: SQL text is never
// built from values. Parameters are std::string, const char*, std::int64_t, int or bool; a
// text parameter must not contain a NUL byte (PostgreSQL text cannot hold one; libpq would
// cut the value there), which throws instead.
//
// Failures (connection lost, an SQL error) throw PgError carrying the SQLSTATE: they abort
// the operation. Messages never contain the connection's password.
//
// Thread-safety: a Connection and its Results and Cursors are used by one thread at a time
// (the store guards them).
#pragma once

#include <libpq-fe.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pasaprod::pg {

class PgError : public std::runtime_error {
 public:
  PgError(std::string sqlstate, const std::string& what)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  // The SQLSTATE reported by the server; "" when the failure is not the server's answer
  // (connection lost, client-side refusal).
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// True for the SQLSTATEs after which a write transaction is rolled back and run again:
// serialization_failure (40001), deadlock_detected (40P01) and lock_not_available (55P03,
// from a lock taken with NOWAIT).
bool retryable(std::string_view sqlstate);

// `text` with every occurrence of `secret` (when not empty) replaced by "***".
std::string redact(std::string text, const std::string& secret);

// A postgresql:// URI or key=value conninfo, as libpq reads it.
struct ParsedUrl {
  bool valid = false;
  std::string error;      // !valid: libpq's reason, without the password
  std::string password;   // "" when it names none
  std::string described;  // "postgresql://user@host:port/dbname", without the password
};
ParsedUrl parse_url(const std::string& url);

// One row of a Result; valid while the Result lives.
class Row {
 public:
  Row(const PGresult* res, int row) : res_(res), row_(row) {}
  // Columns are 0-based. NULL reads as 0 / "" / false.
  std::int64_t integer(int col) const;
  std::string text(int col) const { return std::string(text_view(col)); }
  std::string_view text_view(int col) const;
  bool boolean(int col) const;  // a boolean column ("t"/"f")
  bool is_null(int col) const { return PQgetisnull(res_, row_, col) != 0; }

 private:
  const PGresult* res_;
  int row_;
};

// The outcome of one statement that succeeded.
class Result {
 public:
  explicit Result(PGresult* res) : res_(res, &PQclear) {}
  int rows() const { return PQntuples(res_.get()); }
  Row row(int i) const { return Row(res_.get(), i); }
  // Rows changed by INSERT/UPDATE/DELETE (0 for other statements).
  std::int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> res_;
};

// The text form of a parameter.
inline std::string param(const std::string& v) { return v; }
inline std::string param(std::string_view v) { return std::string(v); }
inline std::string param(const char* v) { return v; }
inline std::string param(std::int64_t v) { return std::to_string(v); }
inline std::string param(int v) { return std::to_string(v); }
inline std::string param(bool v) { return v ? "true" : "false"; }

class Connection {
 public:
  // Connects with `conninfo` (a postgresql:// URI or key=value pairs), in UTF-8, as
  // application "pasaprod" unless conninfo names another. `password` is only used to keep it
  // out of error messages. Throws PgError when the connection fails.
  Connection(const std::string& conninfo, std::string password);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement with the given parameters ($1, $2, ... in order). Throws PgError on
  // failure, after recording its SQLSTATE (failed_sqlstate()).
  template <class... Args>
  Result exec(const std::string& sql, const Args&... args) {
    return exec_text(sql, 0, args...);
  }

  // The same with $1 sent as raw bytes (a bytea parameter, any bytes, no encoding) and $2...
  // the text parameters `args`.
  template <class... Args>
  Result exec_bytes(const std::string& sql, std::string_view bytes, const Args&... args) {
    const std::array<std::string, sizeof...(Args)> values{param(args)...};
    check_params(values.data(), values.size());
    std::array<const char*, sizeof...(Args) + 1> ptrs{bytes.data()};
    std::array<int, sizeof...(Args) + 1> lengths{static_cast<int>(bytes.size())};
    std::array<int, sizeof...(Args) + 1> formats{1};
    for (std::size_t i = 0; i < values.size(); ++i) ptrs[i + 1] = values[i].c_str();
    return exec_raw(sql, static_cast<int>(ptrs.size()), ptrs.data(), lengths.data(), formats.data(), 0);
  }
  // The same as exec() with the rows in binary format: for a statement that selects bytea
  // columns only, each read as its raw bytes through Row::text_view.
  template <class... Args>
  Result exec_binary_rows(const std::string& sql, const Args&... args) {
    return exec_text(sql, 1, args...);
  }

  // True while the connection to the server is up (as far as libpq knows).
  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  // True while a transaction is open (or failed and not rolled back).
  bool in_transaction() const;
  // Rolls back the open transaction, if any, ignoring errors (failure paths).
  void rollback_quietly() noexcept;

  // The SQLSTATE of the first failure since the last clear_failure() ("" when none; "08000"
  // when the failure had no SQLSTATE). A statement that fails aborts PostgreSQL's transaction,
  // so a function that caught the PgError cannot commit its work anyway; the store checks this
  // before committing.
  const std::string& failed_sqlstate() const { return failed_sqlstate_; }
  bool failed() const { return failed_; }
  void clear_failure() {
    failed_ = false;
    failed_sqlstate_.clear();
  }

  // A cursor name not used before on this connection.
  std::string next_cursor_name() { return "pasaprod_c" + std::to_string(++cursors_); }

 private:
  // Text parameters; rows in text (0) or binary (1) format.
  template <class... Args>
  Result exec_text(const std::string& sql, int result_format, const Args&... args) {
    const std::array<std::string, sizeof...(Args)> values{param(args)...};
    std::array<const char*, sizeof...(Args) + 1> ptrs{};
    for (std::size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i].c_str();
    check_params(values.data(), values.size());
    return exec_raw(sql, static_cast<int>(values.size()), ptrs.data(), nullptr, nullptr, result_format);
  }
  void check_params(const std::string* values, std::size_t n);
  Result exec_raw(const std::string& sql, int n, const char* const* values, const int* lengths = nullptr,
                  const int* formats = nullptr, int result_format = 0);
  [[noreturn]] void fail(std::string sqlstate, const std::string& message);

  PGconn* conn_ = nullptr;
  std::string password_;
  bool failed_ = false;
  std::string failed_sqlstate_;
  std::uint64_t cursors_ = 0;
};

// A server-side cursor (DECLARE ... NO SCROLL CURSOR), read `chunk` rows at a time, so a
// result of any size is held `chunk` rows at a time. Several may be open at once on one
// connection. REQUIRES: a transaction is open for the cursor's whole life.
//
//   pg::Cursor c(db, "SELECT seq FROM audit_events WHERE seq > $1 ORDER BY seq", 500, after);
//   while (c.next()) use(c.row().integer(0));
class Cursor {
 public:
  template <class... Args>
  Cursor(Connection& db, const std::string& select, int chunk, const Args&... args)
      : db_(db), name_(db.next_cursor_name()), chunk_(chunk) {
    db_.exec("DECLARE " + name_ + " NO SCROLL CURSOR FOR " + select, args...);
  }
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  // Advances to the next row: true when there is one.
  bool next();
  // The current row. REQUIRES: the last next() returned true.
  Row row() const { return batch_->row(pos_); }

 private:
  Connection& db_;
  const std::string name_;
  const int chunk_;
  std::unique_ptr<Result> batch_;
  int pos_ = -1;
  bool done_ = false;
};

}  // namespace pasaprod::pg
