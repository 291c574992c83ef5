// SqliteTx: sign-in (credentials, sessions, API tokens) and notifications.
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

ApiToken token_from(const Stmt& st) {
  return ApiToken{st.integer(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5), st.integer(6), st.integer(7) != 0,
                  st.integer(8)};
}

constexpr const char* kTokenColumns = "id, username, name, digest, prefix, created_at, last_used_at, revoked, expires_at";

Error user_missing(const std::string& username) {
  return make_error(Code::not_found, "user.not_found", "El usuario «" + username + "» no existe.", "User \"" + username + "\" does not exist.");
}

}  // namespace

std::optional<std::string> SqliteTx::password_hash(const std::string& username) {
  Stmt st = db_.query("SELECT password_hash FROM credentials WHERE username = ?", username);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::optional<SessionRecord> SqliteTx::session(const std::string& id_digest) {
  Stmt st = db_.query("SELECT id_digest, username, csrf_token, address, created_at, expires_at FROM sessions WHERE id_digest = ?", id_digest);
  if (!st.step()) return std::nullopt;
  return SessionRecord{st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4), st.integer(5)};
}

std::optional<SignInFailures> SqliteTx::signin_failures(const std::string& account, const std::string& address) {
  Stmt st = db_.query("SELECT failures, last_failure, until FROM signin_failures WHERE account = ? AND address = ?", account,
                      address);
  if (!st.step()) return std::nullopt;
  return SignInFailures{account, address, static_cast<int>(st.integer(0)), st.integer(1), st.integer(2)};
}

Status SqliteTx::put_signin_failures(const SignInFailures& f) {
  db_.query("INSERT OR REPLACE INTO signin_failures(account, address, failures, last_failure, until) VALUES (?, ?, ?, ?, ?)",
            f.account, f.address, static_cast<std::int64_t>(f.failures), f.last_failure, f.until)
      .run();
  return ok_status();
}

Status SqliteTx::clear_signin_failures(const std::string& account, const std::string& address) {
  db_.query("DELETE FROM signin_failures WHERE account = ? AND address = ?", account, address).run();
  return ok_status();
}

Status SqliteTx::expire_signin_failures(Timestamp before, int max_rows) {
  db_.query("DELETE FROM signin_failures WHERE rowid IN (SELECT rowid FROM signin_failures WHERE last_failure < ? "
            "ORDER BY last_failure LIMIT ?)",
            before, static_cast<std::int64_t>(max_rows))
      .run();
  return ok_status();
}

std::optional<FormState> SqliteTx::form_state(const std::string& key) {
  Stmt st = db_.query("SELECT owner, path, body, expires_at FROM form_states WHERE key = ?", key);
  if (!st.step()) return std::nullopt;
  return FormState{key, st.text(0), st.text(1), st.text(2), st.integer(3)};
}

std::int64_t SqliteTx::form_state_count() {
  Stmt st = db_.query("SELECT count(*) FROM form_states");
  st.step();
  return st.integer(0);
}

Status SqliteTx::insert_form_state(const FormState& f) {
  db_.query("INSERT INTO form_states(key, owner, path, body, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING", f.key,
            f.owner, f.path, f.body, f.expires_at)
      .run();
  if (db_.changes() == 0) {
    return make_error(Code::already_exists, "form_state.exists", "Ese formulario ya se envió.", "That form was sent already.");
  }
  return ok_status();
}

Status SqliteTx::set_form_state_body(const std::string& key, const std::string& body) {
  db_.query("UPDATE form_states SET body = ? WHERE key = ?", body, key).run();
  if (db_.changes() == 0) {
    return make_error(Code::not_found, "form_state.not_found", "El formulario ya no está pendiente.",
                      "The form is no longer pending.");
  }
  return ok_status();
}

Status SqliteTx::delete_form_state(const std::string& key) {
  db_.query("DELETE FROM form_states WHERE key = ?", key).run();
  return ok_status();
}

Status SqliteTx::expire_form_states(Timestamp before, int max_rows) {
  db_.query("DELETE FROM form_states WHERE key IN (SELECT key FROM form_states WHERE expires_at < ? ORDER BY expires_at LIMIT ?)", before,
            static_cast<std::int64_t>(max_rows))
      .run();
  return ok_status();
}

std::vector<ApiToken> SqliteTx::tokens(const std::string& username) {
  std::vector<ApiToken> out;
  Stmt st = db_.query(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE username = ? ORDER BY id DESC", username);
  while (st.step()) out.push_back(token_from(st));
  return out;
}

std::optional<ApiToken> SqliteTx::token_by_digest(const std::string& digest) {
  Stmt st = db_.query(std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE digest = ?", digest);
  if (!st.step()) return std::nullopt;
  return token_from(st);
}

std::vector<Notification> SqliteTx::notifications(const std::string& username, bool unread_only, int limit, int offset) {
  std::vector<Notification> out;
  Stmt st = db_.query(
      "SELECT n.id, n.username, n.release, n.event_seq, n.action, n.actor, n.at, n.read, COALESCE(r.title, '') "
      "FROM notifications n LEFT JOIN releases r ON r.number = n.release "
      "WHERE n.username = ? AND (? = 0 OR n.read = 0) ORDER BY n.id DESC LIMIT ? OFFSET ?",
      username, unread_only ? 1 : 0, limit, offset);
  while (st.step()) {
    out.push_back(Notification{st.integer(0), st.text(1), st.text(2), st.integer(3), st.text(4), st.text(5), st.integer(6), st.integer(7) != 0,
                               st.text(8)});
  }
  return out;
}

std::int64_t SqliteTx::unread_notifications(const std::string& username) {
  Stmt st = db_.query("SELECT COUNT(*) FROM notifications WHERE username = ? AND read = 0", username);
  return st.step() ? st.integer(0) : 0;
}

Status SqliteTx::set_password_hash(const std::string& username, const std::string& hash, Timestamp at) {
  if (!user(username)) return user_missing(username);
  db_.query(
         "INSERT INTO credentials(username, password_hash, changed_at) VALUES (?, ?, ?) "
         "ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, changed_at = excluded.changed_at",
         username, hash, at)
      .run();
  return ok_status();
}

Status SqliteTx::insert_session(const SessionRecord& s) {
  if (!user(s.username)) return user_missing(s.username);
  db_.query("INSERT INTO sessions(id_digest, username, csrf_token, address, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            s.id_digest, s.username, s.csrf_token, s.address, s.created_at, s.expires_at)
      .run();
  // Expired sessions are of no use; drop them while we are here.
  db_.query("DELETE FROM sessions WHERE expires_at < ?", s.created_at).run();
  return ok_status();
}

Status SqliteTx::delete_session(const std::string& id_digest) {
  db_.query("DELETE FROM sessions WHERE id_digest = ?", id_digest).run();
  return ok_status();
}

Status SqliteTx::touch_session(const std::string& id_digest, Timestamp expires_at) {
  db_.query("UPDATE sessions SET expires_at = ? WHERE id_digest = ?", expires_at, id_digest).run();
  return ok_status();
}

Status SqliteTx::delete_sessions_of(const std::string& username) {
  db_.query("DELETE FROM sessions WHERE username = ?", username).run();
  return ok_status();
}

Result<std::int64_t> SqliteTx::insert_token(const ApiToken& t) {
  if (!user(t.username)) return user_missing(t.username);
  db_.query("INSERT INTO api_tokens(username, name, digest, prefix, created_at, last_used_at, revoked, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            t.username, t.name, t.digest, t.prefix, t.created_at, t.last_used_at, t.revoked ? 1 : 0, t.expires_at)
      .run();
  return db_.last_insert_rowid();
}

Status SqliteTx::revoke_token(const std::string& username, std::int64_t id) {
  db_.query("UPDATE api_tokens SET revoked = 1 WHERE id = ? AND username = ?", id, username).run();
  if (db_.changes() == 0) {
    return make_error(Code::not_found, "token.not_found", "No tiene un token con el identificador " + std::to_string(id) + ".",
                      "You have no token with id " + std::to_string(id) + ".");
  }
  return ok_status();
}

Status SqliteTx::touch_token(std::int64_t id, Timestamp at) {
  db_.query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", at, id).run();
  return ok_status();
}

Status SqliteTx::add_notification(const Notification& n) {
  db_.query("INSERT INTO notifications(username, release, event_seq, action, actor, at, read) VALUES (?, ?, ?, ?, ?, ?, ?)",
            n.username, n.release, n.event_seq, n.action, n.actor, n.at, n.read ? 1 : 0)
      .run();
  return ok_status();
}

Status SqliteTx::mark_notifications_read(const std::string& username, const std::vector<std::int64_t>& ids) {
  if (ids.empty()) {
    db_.query("UPDATE notifications SET read = 1 WHERE username = ? AND read = 0", username).run();
    return ok_status();
  }
  for (std::int64_t id : ids) db_.query("UPDATE notifications SET read = 1 WHERE username = ? AND id = ?", username, id).run();
  return ok_status();
}

}  // namespace pasaprod::sqlite
