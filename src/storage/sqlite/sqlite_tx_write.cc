// SqliteTx: the write side (WriteTx). Every method checks what can fail as a value before it
// changes anything, so an error return leaves the transaction as it was.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "audit/chain.h"
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

Error exists_error(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::already_exists, "store.already_exists",
                    fmt::format("Ya existe {} «{}».", what_es, key),
                    fmt::format("The {} '{}' already exists.", what_en, key))
      .with("key", key);
}

Error missing_error(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::not_found, "store.not_found",
                    fmt::format("No existe {} «{}».", what_es, key),
                    fmt::format("There is no {} '{}'.", what_en, key))
      .with("key", key);
}

Error no_release(const std::string& number) {
  return missing_error("la solicitud", "request", number);
}

}  // namespace

void SqliteTx::write_grants(const User& u) {
  db_.query("DELETE FROM user_roles WHERE username = ?", u.username).run();
  for (const RoleGrant& g : u.grants) {
    db_.query("INSERT OR IGNORE INTO user_roles(username, role, system) VALUES (?, ?, ?)",
              u.username, g.role, g.system)
        .run();
  }
  db_.query("DELETE FROM user_directory_roles WHERE username = ?", u.username).run();
  for (const RoleGrant& g : u.directory_grants) {
    db_.query("INSERT OR IGNORE INTO user_directory_roles(username, role, system) VALUES (?, ?, ?)",
              u.username, g.role, g.system)
        .run();
  }
}

Status SqliteTx::insert_user(const User& u) {
  if (db_.query("SELECT 1 FROM users WHERE username = ?", u.username).step()) {
    return exists_error("el usuario", "user", u.username);
  }
  db_.query("INSERT INTO users(username, name, email, active, lang, directory_dn, directory_checked_at, mail_digest) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            u.username, u.name, u.email, u.active, u.lang, u.directory_dn, u.directory_checked_at, u.mail_digest)
      .run();
  write_grants(u);
  return ok_status();
}

Status SqliteTx::update_user(const User& u) {
  db_.query("UPDATE users SET name = ?, email = ?, active = ?, lang = ?, directory_dn = ?, "
            "directory_checked_at = ?, mail_digest = ? WHERE username = ?",
            u.name, u.email, u.active, u.lang, u.directory_dn, u.directory_checked_at, u.mail_digest, u.username)
      .run();
  if (db_.changes() == 0) return missing_error("el usuario", "user", u.username);
  write_grants(u);
  return ok_status();
}

Status SqliteTx::insert_system(const System& s) {
  if (db_.query("SELECT 1 FROM systems WHERE code = ?", s.code).step()) {
    return exists_error("el sistema", "system", s.code);
  }
  db_.query(
         "INSERT INTO systems(code, name, description, unit, origin, technology, status, "
         "initial_version, indecopi_requested_on, indecopi_file_number, indecopi_status, "
         "created_at, asset_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         s.code, s.name, s.description, s.unit, s.origin, s.technology, s.status,
         s.initial_version, s.indecopi.requested_on, s.indecopi.file_number, s.indecopi.status,
         s.created_at, s.asset_id)
      .run();
  return ok_status();
}

Status SqliteTx::update_system(const System& s) {
  // created_at is kept: it records when the system was first registered.
  db_.query(
         "UPDATE systems SET name = ?, description = ?, unit = ?, origin = ?, technology = ?, "
         "status = ?, initial_version = ?, indecopi_requested_on = ?, "
         "indecopi_file_number = ?, indecopi_status = ?, asset_id = ? WHERE code = ?",
         s.name, s.description, s.unit, s.origin, s.technology, s.status, s.initial_version,
         s.indecopi.requested_on, s.indecopi.file_number, s.indecopi.status, s.asset_id, s.code)
      .run();
  if (db_.changes() == 0) return missing_error("el sistema", "system", s.code);
  return ok_status();
}

std::int64_t SqliteTx::next_release_seq(int year) {
  Stmt st = db_.query(
      "INSERT INTO release_seq(year, last) VALUES (?, 1) "
      "ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last",
      year);
  if (!st.step()) throw SqliteError(SQLITE_INTERNAL, "release_seq: RETURNING gave no row");
  std::int64_t seq = st.integer(0);
  st.run();  // finish the statement so the change is complete before the Stmt resets
  return seq;
}

Status SqliteTx::insert_release(const Release& r) {
  if (release_exists(r.number)) return exists_error("la solicitud", "request", r.number);
  const std::string search = fold_search(r.number + "\x1f" + r.title + "\x1f" + r.summary);
  db_.query(
         "INSERT INTO releases(number, system, kind, version, declared_major, title, summary, "
         "requester, state, edition, created_at, updated_at, row_version, search_text, changes_database) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         r.number, r.system, r.kind, r.version, r.declared_major, r.title, r.summary,
         r.requester, r.state, r.edition, r.created_at, r.updated_at, r.row_version, search,
         r.changes_database)
      .run();
  db_.query("INSERT INTO release_search(rowid, text) VALUES (?, ?)", db_.last_insert_rowid(),
            search)
      .run();
  return ok_status();
}

Status SqliteTx::bump_release(const std::string& number, std::int64_t expected_row_version,
                              const std::string& state, Timestamp now) {
  db_.query(
         "UPDATE releases SET state = ?, updated_at = ?, row_version = row_version + 1 "
         "WHERE number = ? AND row_version = ?",
         state, now, number, expected_row_version)
      .run();
  if (db_.changes() == 1) return ok_status();
  if (!release_exists(number)) return no_release(number);
  return make_error(Code::conflict, "store.conflict",
                    fmt::format("La solicitud {} cambió mientras usted trabajaba; vuelva a "
                                "cargarla e intente de nuevo.",
                                number),
                    fmt::format("Request {} changed while you were working on it; reload it "
                                "and try again.",
                                number))
      .with("number", number)
      .with("expected_row_version", std::to_string(expected_row_version));
}

Status SqliteTx::put_file(const std::string& number, const DeliverableFile& f) {
  if (!release_exists(number)) return no_release(number);
  db_.query(
         "INSERT INTO release_files(release, slot, name, size, sha256, uploaded_by, "
         "uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
         "ON CONFLICT(release, slot, name) DO UPDATE SET size = excluded.size, "
         "sha256 = excluded.sha256, uploaded_by = excluded.uploaded_by, "
         "uploaded_at = excluded.uploaded_at",
         number, f.slot, f.name, f.size, f.sha256, f.uploaded_by, f.uploaded_at)
      .run();
  return ok_status();
}

Status SqliteTx::remove_file(const std::string& number, const std::string& slot,
                             const std::string& name) {
  db_.query("DELETE FROM release_files WHERE release = ? AND slot = ? AND name = ?", number,
            slot, name)
      .run();
  if (db_.changes() == 1) return ok_status();
  if (!release_exists(number)) return no_release(number);
  return make_error(Code::not_found, "store.file_not_found",
                    fmt::format("La solicitud {} no tiene el archivo «{}» en «{}».", number,
                                name, slot),
                    fmt::format("Request {} has no file '{}' in '{}'.", number, name, slot))
      .with("number", number)
      .with("slot", slot)
      .with("name", name);
}

Status SqliteTx::add_review(const std::string& number, const Review& v) {
  if (!release_exists(number)) return no_release(number);
  db_.query(
         "INSERT INTO reviews(release, seq, slot, verdict, note, by_user, at, slot_digest) "
         "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM reviews WHERE release = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
         number, v.slot, v.verdict, v.note, v.by, v.at, v.slot_digest)
      .run();
  return ok_status();
}

Result<std::int64_t> SqliteTx::add_record(const std::string& number, const Record& rec) {
  if (!release_exists(number)) return no_release(number);
  std::string fields;
  try {
    fields = nlohmann::json(rec.fields).dump();
  } catch (const nlohmann::json::exception&) {
    return make_error(Code::invalid_argument, "store.bad_utf8",
                      "Los campos del registro no son texto UTF-8 válido.",
                      "The record's fields are not valid UTF-8 text.");
  }
  db_.query(
         "INSERT INTO records(release, type, fields_json, by_user, at, manifest_sha256) "
         "VALUES (?, ?, ?, ?, ?, ?)",
         number, rec.type, fields, rec.by, rec.at, rec.manifest_sha256)
      .run();
  const std::int64_t id = db_.last_insert_rowid();
  if (rec.span) set_span(id, *rec.span);
  return id;
}

Status SqliteTx::add_transition(const std::string& number, const Transition& t) {
  if (!release_exists(number)) return no_release(number);
  db_.query(
         "INSERT INTO transitions(release, seq, action, from_state, to_state, by_user, note, at, manifest_sha256) "
         "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transitions WHERE release = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
         number, t.action, t.from, t.to, t.by, t.note, t.at, t.manifest_sha256)
      .run();
  return ok_status();
}

Status SqliteTx::add_observation(const std::string& number, const Observation& o) {
  if (!release_exists(number)) return no_release(number);
  db_.query(
         "INSERT INTO observations(release, seq, text, by_user, at, from_state, action) "
         "VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM observations WHERE release = ?1), ?2, ?3, ?4, ?5, ?6)",
         number, o.text, o.by, o.at, o.from_state, o.action)
      .run();
  return ok_status();
}

Result<std::int64_t> SqliteTx::insert_freeze(const FreezeWindow& f) {
  db_.query(
         "INSERT INTO freezes(from_ts, to_ts, reason, created_by, created_at) "
         "VALUES (?, ?, ?, ?, ?)",
         f.from, f.to, f.reason, f.created_by, f.created_at)
      .run();
  return db_.last_insert_rowid();
}

namespace {
Error no_freeze(std::int64_t id) {
  return make_error(Code::not_found, "freeze.not_found", "El congelamiento " + std::to_string(id) + " no existe.",
                    "Freeze " + std::to_string(id) + " does not exist.");
}
}  // namespace

Status SqliteTx::update_freeze(const FreezeWindow& f) {
  db_.query("UPDATE freezes SET from_ts = ?, to_ts = ?, reason = ? WHERE id = ?", f.from, f.to, f.reason, f.id).run();
  return db_.changes() == 1 ? ok_status() : Status(no_freeze(f.id));
}

Status SqliteTx::delete_freeze(std::int64_t id) {
  db_.query("DELETE FROM freezes WHERE id = ?", id).run();
  return db_.changes() == 1 ? ok_status() : Status(no_freeze(id));
}

Status SqliteTx::insert_edition(const StoredEdition& e) {
  if (db_.query("SELECT 1 FROM editions WHERE code = ? OR effective_from = ?", e.code, e.effective_from).step()) {
    return exists_error("la edición", "edition", e.code);
  }
  db_.query(
         "INSERT INTO editions(code, title, yaml, sha256, effective_from, effective_date, loaded_at, loaded_by) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
         e.code, e.title, e.yaml, e.sha256, e.effective_from, e.effective_date, e.loaded_at, e.loaded_by)
      .run();
  return ok_status();
}

Status SqliteTx::put_setting(const std::string& key, const std::string& value) {
  db_.query(
         "INSERT INTO settings(key, value) VALUES (?, ?) "
         "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
         key, value)
      .run();
  return ok_status();
}

std::optional<AuditEvent> SqliteTx::lock_chain_head() {
  // A write transaction holds SQLite's write lock (BEGIN IMMEDIATE): no one else can append.
  Stmt st = db_.query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
  if (!st.step()) return std::nullopt;
  AuditEvent head;
  head.seq = st.integer(0);
  head.hash = st.text(1);
  return head;
}

Status SqliteTx::insert_event(const AuditEvent& e) {
  db_.query(
         "INSERT INTO audit_events(seq, at, actor, action, subject, before_json, after_json, "
         "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
         e.seq, e.at, e.actor, e.action, e.subject, e.before, e.after, e.prev_hash, e.hash)
      .run();
  if (!inserted_head_ || e.seq > inserted_head_->seq) inserted_head_ = AnchorHead{e.seq, e.hash};
  return ok_status();
}

}  // namespace pasaprod::sqlite
