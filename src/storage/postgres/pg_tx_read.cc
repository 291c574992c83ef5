// PgTx: the read side (ReadTx) and shared helpers.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

Error not_found(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::not_found, "store.not_found", fmt::format("No existe {} «{}».", what_es, key),
                    fmt::format("There is no {} '{}'.", what_en, key))
      .with("key", key);
}

constexpr const char* kUserColumns = "username, name, email, active, lang, directory_dn, directory_checked_at, mail_digest";

User read_user(const pg::Row& row) {
  User u;
  u.username = row.text(0);
  u.name = row.text(1);
  u.email = row.text(2);
  u.active = row.boolean(3);
  u.lang = row.text(4);
  u.directory_dn = row.text(5);
  u.directory_checked_at = row.integer(6);
  u.mail_digest = row.boolean(7);
  return u;
}

constexpr const char* kSystemColumns =
    "code, name, description, unit, origin, technology, status, initial_version, "
    "indecopi_requested_on, indecopi_file_number, indecopi_status, created_at, asset_id";

System read_system(const pg::Row& row) {
  System s;
  s.code = row.text(0);
  s.name = row.text(1);
  s.description = row.text(2);
  s.unit = row.text(3);
  s.origin = row.text(4);
  s.technology = row.text(5);
  s.status = row.text(6);
  s.initial_version = row.text(7);
  s.indecopi.requested_on = row.text(8);
  s.indecopi.file_number = row.text(9);
  s.indecopi.status = row.text(10);
  s.created_at = row.integer(11);
  s.asset_id = row.text(12);
  return s;
}

constexpr const char* kEventColumns = "seq, at, actor, action, subject, before_json, after_json, prev_hash, hash";

AuditEvent read_event(const pg::Row& row) {
  AuditEvent e;
  e.seq = row.integer(0);
  e.at = row.integer(1);
  e.actor = row.text(2);
  e.action = row.text(3);
  e.subject = row.text(4);
  e.before = row.text(5);
  e.after = row.text(6);
  e.prev_hash = row.text(7);
  e.hash = row.text(8);
  return e;
}

}  // namespace

std::vector<AuditEvent> read_events(pg::Connection& db, const std::string& subject, std::int64_t after_seq, int limit) {
  std::vector<AuditEvent> out;
  if (limit <= 0) return out;
  pg::Result r = db.exec(fmt::format("SELECT {} FROM audit_events WHERE seq > $1 AND ($3 = '' OR subject = $3) "
                                     "ORDER BY seq LIMIT $2",
                                     kEventColumns),
                         after_seq, limit, subject);
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_event(r.row(i)));
  return out;
}

bool PgTx::release_exists(const std::string& number) {
  return db_.exec("SELECT 1 FROM releases WHERE number = $1", number).rows() > 0;
}

std::vector<RoleGrant> PgTx::grants_of(const std::string& username, const char* table) {
  std::vector<RoleGrant> out;
  pg::Result r = db_.exec(fmt::format("SELECT role, system FROM {} WHERE username = $1 ORDER BY id", table), username);
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.row(i).text(0), r.row(i).text(1)});
  return out;
}

Result<User> PgTx::user(const std::string& username) {
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM users WHERE username = $1", kUserColumns), username);
  if (r.rows() == 0) return not_found("el usuario", "user", username);
  User u = read_user(r.row(0));
  u.grants = grants_of(u.username, "user_roles");
  u.directory_grants = grants_of(u.username, "user_directory_roles");
  return u;
}

std::vector<User> PgTx::users() {
  std::vector<User> out;
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM users ORDER BY username", kUserColumns));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r.row(i)));
  for (User& u : out) {
    u.grants = grants_of(u.username, "user_roles");
    u.directory_grants = grants_of(u.username, "user_directory_roles");
  }
  return out;
}

std::vector<User> PgTx::users_with_role(const std::string& role, const std::string& system) {
  // Same rule as User::holds: an office-wide grant, or a grant for the named system.
  pg::Result r = db_.exec(
      fmt::format("SELECT {} FROM users WHERE username IN (SELECT username FROM user_roles "
                  "WHERE role = $1 AND (system = '' OR ($2 <> '' AND system = $2)) "
                  "UNION SELECT username FROM user_directory_roles "
                  "WHERE role = $1 AND (system = '' OR ($2 <> '' AND system = $2))) "
                  "ORDER BY username",
                  kUserColumns),
      role, system);
  std::vector<User> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r.row(i)));
  for (User& u : out) {
    u.grants = grants_of(u.username, "user_roles");
    u.directory_grants = grants_of(u.username, "user_directory_roles");
  }
  return out;
}

Result<System> PgTx::system(const std::string& code) {
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM systems WHERE code = $1", kSystemColumns), code);
  if (r.rows() == 0) return not_found("el sistema", "system", code);
  return read_system(r.row(0));
}

std::vector<System> PgTx::systems() {
  std::vector<System> out;
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM systems ORDER BY code", kSystemColumns));
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_system(r.row(i)));
  return out;
}

void read_release_row(const pg::Row& row, Release& r) {
  r.number = row.text(0);
  r.system = row.text(1);
  r.kind = row.text(2);
  r.version = row.text(3);
  r.declared_major = row.boolean(4);
  r.title = row.text(5);
  r.summary = row.text(6);
  r.requester = row.text(7);
  r.state = row.text(8);
  r.edition = row.text(9);
  r.created_at = row.integer(10);
  r.updated_at = row.integer(11);
  r.row_version = row.integer(12);
  r.changes_database = row.boolean(13);
}

namespace {

// A PostgreSQL text[] literal of `items`, each quoted (`"` and `\` escaped): bound as one
// parameter and cast with ::text[], so no item is SQL.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : item) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

Result<Release> PgTx::release(const std::string& number) {
  std::vector<Release> found = releases_by_number({number});
  if (found.empty()) return not_found("la solicitud", "request", number);
  return std::move(found.front());
}

// Six queries for any number of requests: the rows, then each child table for all of them,
// ordered by request and then as release() orders them.
std::vector<Release> PgTx::releases_by_number(const std::vector<std::string>& numbers) {
  std::vector<Release> out;
  if (numbers.empty()) return out;
  const std::string names = text_array(numbers);
  std::map<std::string, Release> by_number;
  {
    pg::Result res =
        db_.exec(std::string("SELECT ") + kReleaseColumns + " FROM releases WHERE number = ANY($1::text[])", names);
    for (int i = 0; i < res.rows(); ++i) {
      Release r;
      read_release_row(res.row(i), r);
      by_number.emplace(r.number, std::move(r));
    }
  }
  if (by_number.empty()) return out;
  // Runs `sql` (its first column the request's number) and hands each row to `add` with the
  // request it belongs to.
  const auto children = [&](const char* sql, const auto& add) {
    pg::Result res = db_.exec(sql, names);
    for (int i = 0; i < res.rows(); ++i) {
      const pg::Row row = res.row(i);
      auto it = by_number.find(row.text(0));
      if (it != by_number.end()) add(it->second, row);
    }
  };
  children(
      "SELECT release, slot, name, size, sha256, uploaded_by, uploaded_at FROM release_files "
      "WHERE release = ANY($1::text[]) ORDER BY release, id",
      [](Release& r, const pg::Row& row) {
        r.files.push_back({row.text(1), row.text(2), row.integer(3), row.text(4), row.text(5), row.integer(6)});
      });
  children(
      "SELECT release, slot, verdict, note, by_user, at, slot_digest FROM reviews "
      "WHERE release = ANY($1::text[]) ORDER BY release, seq",
      [](Release& r, const pg::Row& row) {
        r.reviews.push_back({row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5), row.text(6)});
      });
  children(
      "SELECT release, id, type, fields_json, by_user, at, manifest_sha256 FROM records "
      "WHERE release = ANY($1::text[]) ORDER BY release, id",
      [](Release& r, const pg::Row& row) {
        Record rec;
        rec.id = row.integer(1);
        rec.type = row.text(2);
        rec.fields = nlohmann::json::parse(row.text_view(3)).get<std::map<std::string, std::string>>();
        rec.by = row.text(4);
        rec.at = row.integer(5);
        rec.manifest_sha256 = row.text(6);
        r.records.push_back(std::move(rec));
      });
  children(
      "SELECT release, action, from_state, to_state, by_user, note, at, manifest_sha256 FROM transitions "
      "WHERE release = ANY($1::text[]) ORDER BY release, seq",
      [](Release& r, const pg::Row& row) {
        r.transitions.push_back(
            {row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), row.integer(6), row.text(7)});
      });
  children(
      "SELECT release, text, by_user, at, from_state, action FROM observations "
      "WHERE release = ANY($1::text[]) ORDER BY release, seq",
      [](Release& r, const pg::Row& row) {
        r.observations.push_back({row.text(1), row.text(2), row.integer(3), row.text(4), row.text(5)});
      });
  out.reserve(numbers.size());
  for (const auto& number : numbers) {
    auto it = by_number.find(number);
    if (it != by_number.end()) out.push_back(it->second);
  }
  return out;
}

std::vector<VersionUse> PgTx::versions_of(const std::string& system) {
  std::vector<VersionUse> out;
  pg::Result r = db_.exec("SELECT version, state, number FROM releases WHERE system = $1 ORDER BY created_at, number",
                          system);
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.row(i).text(0), r.row(i).text(1), r.row(i).text(2)});
  return out;
}

std::vector<FreezeWindow> PgTx::freezes() {
  std::vector<FreezeWindow> out;
  pg::Result r = db_.exec("SELECT id, from_ts, to_ts, reason, created_by, created_at FROM freezes ORDER BY from_ts, id");
  for (int i = 0; i < r.rows(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back({row.integer(0), row.integer(1), row.integer(2), row.text(3), row.text(4), row.integer(5)});
  }
  return out;
}

std::vector<StoredEdition> PgTx::editions(bool with_text) {
  std::vector<StoredEdition> out;
  pg::Result r = db_.exec(
      "SELECT code, title, CASE WHEN $1::boolean THEN yaml ELSE '' END, sha256, effective_from, effective_date, loaded_at, "
      "loaded_by FROM editions ORDER BY effective_from, code",
      with_text);
  for (int i = 0; i < r.rows(); ++i) {
    const pg::Row row = r.row(i);
    out.push_back({row.text(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.text(5), row.integer(6),
                   row.text(7)});
  }
  return out;
}

std::optional<std::string> PgTx::setting(const std::string& key) {
  pg::Result r = db_.exec("SELECT value FROM settings WHERE key = $1", key);
  if (r.rows() == 0) return std::nullopt;
  return r.row(0).text(0);
}

std::vector<AuditEvent> PgTx::events(const std::string& subject, std::int64_t after_seq, int limit) {
  return read_events(db_, subject, after_seq, limit);
}

std::optional<AuditEvent> PgTx::last_event() {
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM audit_events ORDER BY seq DESC LIMIT 1", kEventColumns));
  if (r.rows() == 0) return std::nullopt;
  return read_event(r.row(0));
}

std::optional<AuditEvent> PgTx::lock_chain_head() {
  // NOWAIT: a transaction that would wait here has lost already (the holder's append makes its
  // snapshot stale), and waiting could close a cycle with a rerun that holds the table lock and
  // waits for a row this one changed. Failing at once (55P03) lets PgStore rerun it. A rerun
  // holds the table lock already: the row is only read.
  if (!head_locked_) db_.exec("LOCK TABLE audit_head IN ROW SHARE MODE NOWAIT");
  const pg::Result head =
      db_.exec(head_locked_ ? "SELECT seq FROM audit_head" : "SELECT seq FROM audit_head FOR UPDATE NOWAIT");
  if (head.rows() != 1) {
    // Without its row nothing would hold concurrent appenders off: no append until it is back.
    throw pg::PgError("", "audit_head has lost its row, which serializes appends to the audit trail; put it back "
                          "with: INSERT INTO audit_head(id, seq) SELECT TRUE, COALESCE(MAX(seq), 0) FROM audit_events");
  }
  head_locked_ = true;
  return last_event();
}

}  // namespace pasaprod::postgres
