// PgTx: sign-in (credentials, sessions, failed sign-ins, API tokens) and notifications.
#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kTokenColumns = "id, username, name, digest, prefix, created_at, last_used_at, revoked, expires_at";

ApiToken token_from(const pg::Row& row) {
  return ApiToken{row.integer(0), row.text(1),    row.text(2),     row.text(3),   row.text(4),
                  row.integer(5), row.integer(6), row.boolean(7), row.integer(8)};
}

Error user_missing(const std::string& username) {
  return make_error(Code::not_found, "user.not_found", "El usuario «" + username + "» no existe.",
                    "User \"" + username + "\" does not exist.");
}

}  // namespace

std::optional<std::string> PgTx::password_hash(const std::string& username) {
  pg::Result r = db_.exec("SELECT password_hash FROM credentials WHERE username = $1", username);
  if (r.rows() == 0) return std::nullopt;
  return r.row(0).text(0);
}

std::optional<SessionRecord> PgTx::session(const std::string& id_digest) {
  pg::Result r = db_.exec(
      "SELECT id_digest, username, csrf_token, address, created_at, expires_at FROM sessions WHERE id_digest = $1",
      id_digest);
  if (r.rows() == 0) return std::nullopt;
  const pg::Row row = r.row(0);
  return SessionRecord{row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.integer(5)};
}

std::optional<SignInFailures> PgTx::signin_failures(const std::string& account, const std::string& address) {
  pg::Result r = db_.exec(
      "SELECT failures, last_failure, until FROM signin_failures WHERE account = $1 AND address = $2", account, address);
  if (r.rows() == 0) return std::nullopt;
  const pg::Row row = r.row(0);
  return SignInFailures{account, address, static_cast<int>(row.integer(0)), row.integer(1), row.integer(2)};
}

Status PgTx::put_signin_failures(const SignInFailures& f) {
  db_.exec(
      "INSERT INTO signin_failures(account, address, failures, last_failure, until) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (account, address) DO UPDATE SET failures = excluded.failures, "
      "last_failure = excluded.last_failure, until = excluded.until",
      f.account, f.address, f.failures, f.last_failure, f.until);
  return ok_status();
}

Status PgTx::clear_signin_failures(const std::string& account, const std::string& address) {
  db_.exec("DELETE FROM signin_failures WHERE account = $1 AND address = $2", account, address);
  return ok_status();
}

Status PgTx::expire_signin_failures(Timestamp before, int max_rows) {
  db_.exec(
      "DELETE FROM signin_failures WHERE (account, address) IN (SELECT account, address FROM signin_failures "
      "WHERE last_failure < $1 ORDER BY last_failure LIMIT $2)",
      before, sql_limit(max_rows));
  return ok_status();
}

std::optional<FormState> PgTx::form_state(const std::string& key) {
  pg::Result r = db_.exec("SELECT owner, path, body, expires_at FROM form_states WHERE key = $1", key);
  if (r.rows() == 0) return std::nullopt;
  const pg::Row row = r.row(0);
  return FormState{key, row.text(0), row.text(1), row.text(2), row.integer(3)};
}

std::int64_t PgTx::form_state_count() { return db_.exec("SELECT count(*) FROM form_states").row(0).integer(0); }

Status PgTx::insert_form_state(const FormState& f) {
  pg::Result r = db_.exec(
      "INSERT INTO form_states(key, owner, path, body, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING", f.key,
      f.owner, f.path, f.body, f.expires_at);
  if (r.affected() == 0) {
    return make_error(Code::already_exists, "form_state.exists", "Ese formulario ya se envió.", "That form was sent already.");
  }
  return ok_status();
}

Status PgTx::set_form_state_body(const std::string& key, const std::string& body) {
  if (db_.exec("UPDATE form_states SET body = $1 WHERE key = $2", body, key).affected() == 0) {
    return make_error(Code::not_found, "form_state.not_found", "El formulario ya no está pendiente.",
                      "The form is no longer pending.");
  }
  return ok_status();
}

Status PgTx::delete_form_state(const std::string& key) {
  db_.exec("DELETE FROM form_states WHERE key = $1", key);
  return ok_status();
}

Status PgTx::expire_form_states(Timestamp before, int max_rows) {
  db_.exec("DELETE FROM form_states WHERE key IN (SELECT key FROM form_states WHERE expires_at < $1 ORDER BY expires_at LIMIT $2)", before,
           sql_limit(max_rows));
  return ok_status();
}

std::vector<ApiToken> PgTx::tokens(const std::string& username) {
  std::vector<ApiToken> out;
  pg::Result r = db_.exec(
      std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE username = $1 ORDER BY id DESC", username);
  for (int i = 0; i < r.rows(); ++i) out.push_back(token_from(r.row(i)));
  return out;
}

std::optional<ApiToken> PgTx::token_by_digest(const std::string& digest) {
  pg::Result r = db_.exec(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE digest = $1", digest);
  if (r.rows() == 0) return std::nullopt;
  return token_from(r.row(0));
}

std::vector<Notification> PgTx::notifications(const std::string& username, bool unread_only, int limit, int offset) {
  std::vector<Notification> out;
  pg::Result r = db_.exec(
      "SELECT n.id, n.username, n.release, n.event_seq, n.action, n.actor, n.at, n.read, COALESCE(r.title, '') "
      "FROM notifications n LEFT JOIN releases r ON r.number = n.release "
      "WHERE n.username = $1 AND (NOT $2::boolean OR NOT n.read) ORDER BY n.id DESC LIMIT $3 OFFSET $4",
      username, unread_only, sql_limit(limit), sql_offset(offset));
  for (int i = 0; i < r.rows(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back(Notification{row.integer(0), row.text(1), row.text(2), row.integer(3), row.text(4), row.text(5),
                               row.integer(6), row.boolean(7), row.text(8)});
  }
  return out;
}

std::int64_t PgTx::unread_notifications(const std::string& username) {
  pg::Result r = db_.exec("SELECT COUNT(*) FROM notifications WHERE username = $1 AND NOT read", username);
  return r.row(0).integer(0);
}

Status PgTx::set_password_hash(const std::string& username, const std::string& hash, Timestamp at) {
  if (!user(username)) return user_missing(username);
  db_.exec(
      "INSERT INTO credentials(username, password_hash, changed_at) VALUES ($1, $2, $3) "
      "ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at",
      username, hash, at);
  return ok_status();
}

Status PgTx::insert_session(const SessionRecord& s) {
  if (!user(s.username)) return user_missing(s.username);
  db_.exec(
      "INSERT INTO sessions(id_digest, username, csrf_token, address, created_at, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6)",
      s.id_digest, s.username, s.csrf_token, s.address, s.created_at, s.expires_at);
  // Expired sessions are of no use; drop them while we are here.
  db_.exec("DELETE FROM sessions WHERE expires_at < $1", s.created_at);
  return ok_status();
}

Status PgTx::delete_session(const std::string& id_digest) {
  db_.exec("DELETE FROM sessions WHERE id_digest = $1", id_digest);
  return ok_status();
}

Status PgTx::touch_session(const std::string& id_digest, Timestamp expires_at) {
  db_.exec("UPDATE sessions SET expires_at = $1 WHERE id_digest = $2", expires_at, id_digest);
  return ok_status();
}

Status PgTx::delete_sessions_of(const std::string& username) {
  db_.exec("DELETE FROM sessions WHERE username = $1", username);
  return ok_status();
}

Result<std::int64_t> PgTx::insert_token(const ApiToken& t) {
  if (!user(t.username)) return user_missing(t.username);
  pg::Result r = db_.exec(
      "INSERT INTO api_tokens(username, name, digest, prefix, created_at, last_used_at, revoked, expires_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      t.username, t.name, t.digest, t.prefix, t.created_at, t.last_used_at, t.revoked, t.expires_at);
  return r.row(0).integer(0);
}

Status PgTx::revoke_token(const std::string& username, std::int64_t id) {
  pg::Result r = db_.exec("UPDATE api_tokens SET revoked = TRUE WHERE id = $1 AND username = $2", id, username);
  if (r.affected() == 0) {
    return make_error(Code::not_found, "token.not_found",
                      "No tiene un token con el identificador " + std::to_string(id) + ".",
                      "You have no token with id " + std::to_string(id) + ".");
  }
  return ok_status();
}

Status PgTx::touch_token(std::int64_t id, Timestamp at) {
  db_.exec("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", at, id);
  return ok_status();
}

Status PgTx::add_notification(const Notification& n) {
  db_.exec(
      "INSERT INTO notifications(username, release, event_seq, action, actor, at, read) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      n.username, n.release, n.event_seq, n.action, n.actor, n.at, n.read);
  return ok_status();
}

Status PgTx::mark_notifications_read(const std::string& username, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) {
    db_.exec("UPDATE notifications SET read = TRUE WHERE username = $1 AND NOT read", username);
    return ok_status();
  }
  for (std::int64_t id : ids) {
    db_.exec("UPDATE notifications SET read = TRUE WHERE username = $1 AND id = $2", username, id);
  }
  return ok_status();
}

}  // namespace pasaprod::postgres
