#include "storage/postgres/pg.h"

#include <charconv>
#include <vector>

namespace pasaprod::pg {

bool retryable(std::string_view sqlstate) { return sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03"; }

std::string redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

namespace {

// The password of a postgresql:// URI or key=value conninfo that libpq could not parse (to
// keep it out of the error), or "".
std::string password_in_unparsed(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme != std::string::npos) {
    const std::size_t start = scheme + 3;
    const std::size_t at = url.find('@', start);
    const std::size_t colon = url.find(':', start);
    if (at != std::string::npos && colon != std::string::npos && colon < at) return url.substr(colon + 1, at - colon - 1);
    return "";
  }
  const std::size_t key = url.find("password");
  if (key == std::string::npos) return "";
  std::size_t v = url.find('=', key);
  if (v == std::string::npos) return "";
  ++v;
  while (v < url.size() && url[v] == ' ') ++v;
  std::size_t end = v;
  while (end < url.size() && url[end] != ' ') ++end;
  std::string value = url.substr(v, end - v);
  if (value.size() >= 2 && value.front() == '\'') value = value.substr(1, value.size() - 2);
  return value;
}

}  // namespace

ParsedUrl parse_url(const std::string& url) {
  ParsedUrl out;
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (parsed == nullptr) {
    out.error = parse_error != nullptr ? redact(parse_error, password_in_unparsed(url)) : "out of memory";
    PQfreemem(parse_error);
    while (!out.error.empty() && out.error.back() == '\n') out.error.pop_back();
    return out;
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string key = o->keyword;
    if (key == "user") user = o->val;
    if (key == "host") host = o->val;
    if (key == "hostaddr" && host.empty()) host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "password") out.password = o->val;
  }
  PQconninfoFree(parsed);
  out.valid = true;
  out.described = "postgresql://";
  if (!user.empty()) out.described += user + "@";
  out.described += host;
  if (!port.empty()) out.described += ":" + port;
  out.described += "/" + dbname;
  return out;
}

std::int64_t Row::integer(int col) const {
  const std::string_view v = text_view(col);
  std::int64_t out = 0;
  if (v.empty()) return 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size()) {
    throw PgError("", "column " + std::to_string(col) + " is not an integer: " + std::string(v));
  }
  return out;
}

std::string_view Row::text_view(int col) const {
  return std::string_view(PQgetvalue(res_, row_, col), static_cast<std::size_t>(PQgetlength(res_, row_, col)));
}

bool Row::boolean(int col) const {
  const std::string_view v = text_view(col);
  return v == "t" || v == "true";
}

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(res_.get());
  std::int64_t out = 0;
  if (n != nullptr) std::from_chars(n, n + std::char_traits<char>::length(n), out);
  return out;
}

Connection::Connection(const std::string& conninfo, std::string password) : password_(std::move(password)) {
  // expand_dbname: `dbname` may be a whole URI or key=value string. Keys after it override
  // it: the encoding is always UTF-8; the application name is only a fallback.
  const char* keys[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
  const char* values[] = {conninfo.c_str(), "pasaprod", "UTF8", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw PgError("", "out of memory connecting to PostgreSQL");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = redact(PQerrorMessage(conn_), password_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("08001", message);
  }
  // Notices ("relation ... already exists, skipping") are not errors; libpq would print them.
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::in_transaction() const {
  const PGTransactionStatusType s = PQtransactionStatus(conn_);
  return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void Connection::rollback_quietly() noexcept {
  if (!in_transaction()) return;
  PGresult* r = PQexecParams(conn_, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0);
  if (r != nullptr) PQclear(r);
}

void Connection::check_params(const std::string* values, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (values[i].find('\0') != std::string::npos) {
      fail("22021", "parameter $" + std::to_string(i + 1) + " contains a NUL byte, which PostgreSQL text cannot hold");
    }
  }
}

void Connection::fail(std::string sqlstate, const std::string& message) {
  if (!failed_) {
    failed_ = true;
    failed_sqlstate_ = sqlstate.empty() ? "08000" : sqlstate;
  }
  throw PgError(std::move(sqlstate), redact(message, password_));
}

Result Connection::exec_raw(const std::string& sql, int n, const char* const* values, const int* lengths,
                            const int* formats, int result_format) {
  PGresult* raw = PQexecParams(conn_, sql.c_str(), n, nullptr, values, lengths, formats, result_format);
  Result res(raw);
  if (raw == nullptr) fail("", PQerrorMessage(conn_));
  const ExecStatusType st = PQresultStatus(raw);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return res;
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  std::string message = PQresultErrorMessage(raw);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  fail(state != nullptr ? state : "", message);
}

Cursor::~Cursor() {
  // After a failed statement the transaction is aborted and the cursor is gone with it.
  if (!db_.failed() && db_.in_transaction()) {
    try {
      db_.exec("CLOSE " + name_);
    } catch (const PgError&) {
      // The transaction is rolled back by its owner; nothing to release.
    }
  }
}

bool Cursor::next() {
  if (batch_ && pos_ + 1 < batch_->rows()) {
    ++pos_;
    return true;
  }
  if (done_) return false;
  batch_ = std::make_unique<Result>(db_.exec("FETCH FORWARD " + std::to_string(chunk_) + " FROM " + name_));
  pos_ = 0;
  if (batch_->rows() < chunk_) done_ = true;
  if (batch_->rows() == 0) return false;
  return true;
}

}  // namespace pasaprod::pg
