// SqliteTx: the read side (ReadTx) and shared helpers.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

Error not_found(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::not_found, "store.not_found",
                    fmt::format("No existe {} «{}».", what_es, key),
                    fmt::format("There is no {} '{}'.", what_en, key))
      .with("key", key);
}

constexpr const char* kUserColumns = "username, name, email, active, lang, directory_dn, directory_checked_at, mail_digest";

User read_user(const Stmt& st) {
  User u;
  u.username = st.text(0);
  u.name = st.text(1);
  u.email = st.text(2);
  u.active = st.integer(3) != 0;
  u.lang = st.text(4);
  u.directory_dn = st.text(5);
  u.directory_checked_at = st.integer(6);
  u.mail_digest = st.integer(7) != 0;
  return u;
}

constexpr const char* kSystemColumns =
    "code, name, description, unit, origin, technology, status, initial_version, "
    "indecopi_requested_on, indecopi_file_number, indecopi_status, created_at, asset_id";

System read_system(const Stmt& st) {
  System s;
  s.code = st.text(0);
  s.name = st.text(1);
  s.description = st.text(2);
  s.unit = st.text(3);
  s.origin = st.text(4);
  s.technology = st.text(5);
  s.status = st.text(6);
  s.initial_version = st.text(7);
  s.indecopi.requested_on = st.text(8);
  s.indecopi.file_number = st.text(9);
  s.indecopi.status = st.text(10);
  s.created_at = st.integer(11);
  s.asset_id = st.text(12);
  return s;
}

constexpr const char* kEventColumns =
    "seq, at, actor, action, subject, before_json, after_json, prev_hash, hash";

AuditEvent read_event(const Stmt& st) {
  AuditEvent e;
  e.seq = st.integer(0);
  e.at = st.integer(1);
  e.actor = st.text(2);
  e.action = st.text(3);
  e.subject = st.text(4);
  e.before = st.text(5);
  e.after = st.text(6);
  e.prev_hash = st.text(7);
  e.hash = st.text(8);
  return e;
}

}  // namespace

std::vector<AuditEvent> read_events(Connection& db, const std::string& subject,
                                    std::int64_t after_seq, int limit) {
  std::vector<AuditEvent> out;
  if (limit <= 0) return out;
  std::string sql = fmt::format("SELECT {} FROM audit_events WHERE seq > ?1 {} ORDER BY seq "
                                "LIMIT ?2",
                                kEventColumns, subject.empty() ? "" : "AND subject = ?3");
  Stmt st = db.query(sql, after_seq, limit);
  if (!subject.empty()) st.bind(3, subject);
  while (st.step()) out.push_back(read_event(st));
  return out;
}

bool SqliteTx::release_exists(const std::string& number) {
  return db_.query("SELECT 1 FROM releases WHERE number = ?", number).step();
}

std::vector<RoleGrant> SqliteTx::grants_of(const std::string& username) {
  std::vector<RoleGrant> out;
  Stmt st = db_.query("SELECT role, system FROM user_roles WHERE username = ? ORDER BY rowid",
                      username);
  while (st.step()) out.push_back({st.text(0), st.text(1)});
  return out;
}

std::vector<RoleGrant> SqliteTx::directory_grants_of(const std::string& username) {
  std::vector<RoleGrant> out;
  Stmt st = db_.query("SELECT role, system FROM user_directory_roles WHERE username = ? ORDER BY rowid", username);
  while (st.step()) out.push_back({st.text(0), st.text(1)});
  return out;
}

Result<User> SqliteTx::user(const std::string& username) {
  User u;
  {
    Stmt st = db_.query(fmt::format("SELECT {} FROM users WHERE username = ?", kUserColumns),
                        username);
    if (!st.step()) return not_found("el usuario", "user", username);
    u = read_user(st);
  }
  u.grants = grants_of(u.username);
  u.directory_grants = directory_grants_of(u.username);
  return u;
}

std::vector<User> SqliteTx::users() {
  std::vector<User> out;
  {
    Stmt st = db_.query(fmt::format("SELECT {} FROM users ORDER BY username", kUserColumns));
    while (st.step()) out.push_back(read_user(st));
  }
  for (User& u : out) {
    u.grants = grants_of(u.username);
    u.directory_grants = directory_grants_of(u.username);
  }
  return out;
}

std::vector<User> SqliteTx::users_with_role(const std::string& role, const std::string& system) {
  std::vector<User> out;
  {
    // Same rule as User::holds: an office-wide grant, or a grant for the named system.
    Stmt st = db_.query(
        fmt::format("SELECT {} FROM users WHERE username IN (SELECT username FROM user_roles "
                    "WHERE role = ?1 AND (system = '' OR (?2 <> '' AND system = ?2)) "
                    "UNION SELECT username FROM user_directory_roles "
                    "WHERE role = ?1 AND (system = '' OR (?2 <> '' AND system = ?2))) "
                    "ORDER BY username",
                    kUserColumns),
        role, system);
    while (st.step()) out.push_back(read_user(st));
  }
  for (User& u : out) {
    u.grants = grants_of(u.username);
    u.directory_grants = directory_grants_of(u.username);
  }
  return out;
}

Result<System> SqliteTx::system(const std::string& code) {
  Stmt st = db_.query(fmt::format("SELECT {} FROM systems WHERE code = ?", kSystemColumns), code);
  if (!st.step()) return not_found("el sistema", "system", code);
  return read_system(st);
}

std::vector<System> SqliteTx::systems() {
  std::vector<System> out;
  Stmt st = db_.query(fmt::format("SELECT {} FROM systems ORDER BY code", kSystemColumns));
  while (st.step()) out.push_back(read_system(st));
  return out;
}

void read_release_row(const Stmt& st, Release& r) {
  r.number = st.text(0);
  r.system = st.text(1);
  r.kind = st.text(2);
  r.version = st.text(3);
  r.declared_major = st.integer(4) != 0;
  r.title = st.text(5);
  r.summary = st.text(6);
  r.requester = st.text(7);
  r.state = st.text(8);
  r.edition = st.text(9);
  r.created_at = st.integer(10);
  r.updated_at = st.integer(11);
  r.row_version = st.integer(12);
  r.changes_database = st.integer(13) != 0;
}

Result<Release> SqliteTx::release(const std::string& number) {
  Release r;
  {
    Stmt st = db_.query(std::string("SELECT ") + kReleaseColumns + " FROM releases WHERE number = ?", number);
    if (!st.step()) return not_found("la solicitud", "request", number);
    read_release_row(st, r);
  }
  {
    Stmt st = db_.query(
        "SELECT slot, name, size, sha256, uploaded_by, uploaded_at FROM release_files "
        "WHERE release = ? ORDER BY id",
        number);
    while (st.step()) {
      r.files.push_back({st.text(0), st.text(1), st.integer(2), st.text(3), st.text(4),
                         st.integer(5)});
    }
  }
  {
    Stmt st = db_.query(
        "SELECT slot, verdict, note, by_user, at, slot_digest FROM reviews WHERE release = ? "
        "ORDER BY seq",
        number);
    while (st.step()) {
      r.reviews.push_back(
          {st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4), st.text(5)});
    }
  }
  {
    Stmt st = db_.query(
        "SELECT id, type, fields_json, by_user, at, manifest_sha256 FROM records "
        "WHERE release = ? ORDER BY id",
        number);
    while (st.step()) {
      Record rec;
      rec.id = st.integer(0);
      rec.type = st.text(1);
      rec.fields = nlohmann::json::parse(st.text(2)).get<std::map<std::string, std::string>>();
      rec.by = st.text(3);
      rec.at = st.integer(4);
      rec.manifest_sha256 = st.text(5);
      r.records.push_back(std::move(rec));
    }
  }
  {
    Stmt st = db_.query(
        "SELECT action, from_state, to_state, by_user, note, at, manifest_sha256 "
        "FROM transitions WHERE release = ? ORDER BY seq",
        number);
    while (st.step()) {
      r.transitions.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                               st.integer(5), st.text(6)});
    }
  }
  {
    Stmt st = db_.query(
        "SELECT text, by_user, at, from_state, action FROM observations WHERE release = ? "
        "ORDER BY seq",
        number);
    while (st.step()) {
      r.observations.push_back({st.text(0), st.text(1), st.integer(2), st.text(3), st.text(4)});
    }
  }
  return r;
}

// In process there is no round trip to save: each aggregate is read by its own cached
// statements, which the batch runs once per number.
std::vector<Release> SqliteTx::releases_by_number(const std::vector<std::string>& numbers) {
  std::vector<Release> out;
  out.reserve(numbers.size());
  for (const auto& number : numbers) {
    if (auto r = release(number)) out.push_back(std::move(*r));
  }
  return out;
}

std::vector<VersionUse> SqliteTx::versions_of(const std::string& system) {
  std::vector<VersionUse> out;
  Stmt st = db_.query(
      "SELECT version, state, number FROM releases WHERE system = ? "
      "ORDER BY created_at, number",
      system);
  while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2)});
  return out;
}

std::vector<FreezeWindow> SqliteTx::freezes() {
  std::vector<FreezeWindow> out;
  Stmt st = db_.query(
      "SELECT id, from_ts, to_ts, reason, created_by, created_at FROM freezes "
      "ORDER BY from_ts, id");
  while (st.step()) {
    out.push_back(
        {st.integer(0), st.integer(1), st.integer(2), st.text(3), st.text(4), st.integer(5)});
  }
  return out;
}

std::vector<StoredEdition> SqliteTx::editions(bool with_text) {
  std::vector<StoredEdition> out;
  Stmt st = db_.query(
      "SELECT code, title, CASE WHEN ? THEN yaml ELSE '' END, sha256, effective_from, effective_date, loaded_at, "
      "loaded_by FROM editions ORDER BY effective_from, code",
      with_text);
  while (st.step()) {
    out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4), st.text(5), st.integer(6), st.text(7)});
  }
  return out;
}

std::optional<std::string> SqliteTx::setting(const std::string& key) {
  Stmt st = db_.query("SELECT value FROM settings WHERE key = ?", key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::vector<AuditEvent> SqliteTx::events(const std::string& subject, std::int64_t after_seq,
                                         int limit) {
  return read_events(db_, subject, after_seq, limit);
}

std::optional<AuditEvent> SqliteTx::last_event() {
  Stmt st = db_.query(
      fmt::format("SELECT {} FROM audit_events ORDER BY seq DESC LIMIT 1", kEventColumns));
  if (!st.step()) return std::nullopt;
  return read_event(st);
}

}  // namespace pasaprod::sqlite
