// PgTx: the write side (WriteTx). Every method checks what can fail as a value before it
// changes anything, so an error return leaves the transaction as it was.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/search_fold.h"
#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

Error exists_error(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::already_exists, "store.already_exists", fmt::format("Ya existe {} «{}».", what_es, key),
                    fmt::format("The {} '{}' already exists.", what_en, key))
      .with("key", key);
}

Error missing_error(const char* what_es, const char* what_en, const std::string& key) {
  return make_error(Code::not_found, "store.not_found", fmt::format("No existe {} «{}».", what_es, key),
                    fmt::format("There is no {} '{}'.", what_en, key))
      .with("key", key);
}

Error no_release(const std::string& number) { return missing_error("la solicitud", "request", number); }

Error no_freeze(std::int64_t id) {
  return make_error(Code::not_found, "freeze.not_found", "El congelamiento " + std::to_string(id) + " no existe.",
                    "Freeze " + std::to_string(id) + " does not exist.");
}

}  // namespace

void PgTx::write_grants(const User& u) {
  db_.exec("DELETE FROM user_roles WHERE username = $1", u.username);
  for (const RoleGrant& g : u.grants) {
    db_.exec("INSERT INTO user_roles(username, role, system) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", u.username,
             g.role, g.system);
  }
  db_.exec("DELETE FROM user_directory_roles WHERE username = $1", u.username);
  for (const RoleGrant& g : u.directory_grants) {
    db_.exec("INSERT INTO user_directory_roles(username, role, system) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
             u.username, g.role, g.system);
  }
}

Status PgTx::insert_user(const User& u) {
  if (db_.exec("SELECT 1 FROM users WHERE username = $1", u.username).rows() > 0) {
    return exists_error("el usuario", "user", u.username);
  }
  db_.exec(
      "INSERT INTO users(username, name, email, active, lang, directory_dn, directory_checked_at, mail_digest) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      u.username, u.name, u.email, u.active, u.lang, u.directory_dn, u.directory_checked_at, u.mail_digest);
  write_grants(u);
  return ok_status();
}

Status PgTx::update_user(const User& u) {
  pg::Result r = db_.exec(
      "UPDATE users SET name = $1, email = $2, active = $3, lang = $4, directory_dn = $5, directory_checked_at = $6, "
      "mail_digest = $7 WHERE username = $8",
      u.name, u.email, u.active, u.lang, u.directory_dn, u.directory_checked_at, u.mail_digest, u.username);
  if (r.affected() == 0) return missing_error("el usuario", "user", u.username);
  write_grants(u);
  return ok_status();
}

Status PgTx::insert_system(const System& s) {
  if (db_.exec("SELECT 1 FROM systems WHERE code = $1", s.code).rows() > 0) {
    return exists_error("el sistema", "system", s.code);
  }
  db_.exec(
      "INSERT INTO systems(code, name, description, unit, origin, technology, status, initial_version, "
      "indecopi_requested_on, indecopi_file_number, indecopi_status, created_at, asset_id) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      s.code, s.name, s.description, s.unit, s.origin, s.technology, s.status, s.initial_version,
      s.indecopi.requested_on, s.indecopi.file_number, s.indecopi.status, s.created_at, s.asset_id);
  return ok_status();
}

Status PgTx::update_system(const System& s) {
  // created_at is kept: it records when the system was first registered.
  pg::Result r = db_.exec(
      "UPDATE systems SET name = $1, description = $2, unit = $3, origin = $4, technology = $5, status = $6, "
      "initial_version = $7, indecopi_requested_on = $8, indecopi_file_number = $9, indecopi_status = $10, "
      "asset_id = $11 WHERE code = $12",
      s.name, s.description, s.unit, s.origin, s.technology, s.status, s.initial_version, s.indecopi.requested_on,
      s.indecopi.file_number, s.indecopi.status, s.asset_id, s.code);
  if (r.affected() == 0) return missing_error("el sistema", "system", s.code);
  return ok_status();
}

std::int64_t PgTx::next_release_seq(int year) {
  pg::Result r = db_.exec(
      "INSERT INTO release_seq(year, last) VALUES ($1, 1) "
      "ON CONFLICT (year) DO UPDATE SET last = release_seq.last + 1 RETURNING last",
      year);
  return r.row(0).integer(0);
}

Status PgTx::insert_release(const Release& r) {
  if (release_exists(r.number)) return exists_error("la solicitud", "request", r.number);
  const std::string search = fold_search(r.number + "\x1f" + r.title + "\x1f" + r.summary);
  db_.exec(
      "INSERT INTO releases(number, system, kind, version, declared_major, title, summary, requester, state, edition, "
      "created_at, updated_at, row_version, search_text, changes_database) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
      r.number, r.system, r.kind, r.version, r.declared_major, r.title, r.summary, r.requester, r.state, r.edition,
      r.created_at, r.updated_at, r.row_version, search, r.changes_database);
  return ok_status();
}

Status PgTx::bump_release(const std::string& number, std::int64_t expected_row_version, const std::string& state,
                          Timestamp now) {
  pg::Result r = db_.exec(
      "UPDATE releases SET state = $1, updated_at = $2, row_version = row_version + 1 "
      "WHERE number = $3 AND row_version = $4",
      state, now, number, expected_row_version);
  if (r.affected() == 1) return ok_status();
  if (!release_exists(number)) return no_release(number);
  return make_error(Code::conflict, "store.conflict",
                    fmt::format("La solicitud {} cambió mientras usted trabajaba; vuelva a cargarla e intente de nuevo.",
                                number),
                    fmt::format("Request {} changed while you were working on it; reload it and try again.", number))
      .with("number", number)
      .with("expected_row_version", std::to_string(expected_row_version));
}

Status PgTx::put_file(const std::string& number, const DeliverableFile& f) {
  if (!release_exists(number)) return no_release(number);
  db_.exec(
      "INSERT INTO release_files(release, slot, name, size, sha256, uploaded_by, uploaded_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) "
      "ON CONFLICT (release, slot, name) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, "
      "uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at",
      number, f.slot, f.name, f.size, f.sha256, f.uploaded_by, f.uploaded_at);
  return ok_status();
}

Status PgTx::remove_file(const std::string& number, const std::string& slot, const std::string& name) {
  pg::Result r =
      db_.exec("DELETE FROM release_files WHERE release = $1 AND slot = $2 AND name = $3", number, slot, name);
  if (r.affected() == 1) return ok_status();
  if (!release_exists(number)) return no_release(number);
  return make_error(Code::not_found, "store.file_not_found",
                    fmt::format("La solicitud {} no tiene el archivo «{}» en «{}».", number, name, slot),
                    fmt::format("Request {} has no file '{}' in '{}'.", number, name, slot))
      .with("number", number)
      .with("slot", slot)
      .with("name", name);
}

Status PgTx::add_review(const std::string& number, const Review& v) {
  if (!release_exists(number)) return no_release(number);
  db_.exec(
      "INSERT INTO reviews(release, seq, slot, verdict, note, by_user, at, slot_digest) "
      "VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM reviews WHERE release = $1), $2, $3, $4, $5, $6, $7)",
      number, v.slot, v.verdict, v.note, v.by, v.at, v.slot_digest);
  return ok_status();
}

Result<std::int64_t> PgTx::add_record(const std::string& number, const Record& rec) {
  if (!release_exists(number)) return no_release(number);
  std::string fields;
  try {
    fields = nlohmann::json(rec.fields).dump();
  } catch (const nlohmann::json::exception&) {
    return make_error(Code::invalid_argument, "store.bad_utf8", "Los campos del registro no son texto UTF-8 válido.",
                      "The record's fields are not valid UTF-8 text.");
  }
  pg::Result r = db_.exec(
      "INSERT INTO records(release, type, fields_json, by_user, at, manifest_sha256) "
      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      number, rec.type, fields, rec.by, rec.at, rec.manifest_sha256);
  const std::int64_t id = r.row(0).integer(0);
  if (rec.span) set_span(id, *rec.span);
  return id;
}

Status PgTx::add_transition(const std::string& number, const Transition& t) {
  if (!release_exists(number)) return no_release(number);
  db_.exec(
      "INSERT INTO transitions(release, seq, action, from_state, to_state, by_user, note, at, manifest_sha256) "
      "VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM transitions WHERE release = $1), $2, $3, $4, $5, $6, $7, $8)",
      number, t.action, t.from, t.to, t.by, t.note, t.at, t.manifest_sha256);
  return ok_status();
}

Status PgTx::add_observation(const std::string& number, const Observation& o) {
  if (!release_exists(number)) return no_release(number);
  db_.exec(
      "INSERT INTO observations(release, seq, text, by_user, at, from_state, action) "
      "VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM observations WHERE release = $1), $2, $3, $4, $5, $6)",
      number, o.text, o.by, o.at, o.from_state, o.action);
  return ok_status();
}

Result<std::int64_t> PgTx::insert_freeze(const FreezeWindow& f) {
  pg::Result r = db_.exec(
      "INSERT INTO freezes(from_ts, to_ts, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
      f.from, f.to, f.reason, f.created_by, f.created_at);
  return r.row(0).integer(0);
}

Status PgTx::update_freeze(const FreezeWindow& f) {
  pg::Result r = db_.exec("UPDATE freezes SET from_ts = $1, to_ts = $2, reason = $3 WHERE id = $4", f.from, f.to,
                          f.reason, f.id);
  return r.affected() == 1 ? ok_status() : Status(no_freeze(f.id));
}

Status PgTx::delete_freeze(std::int64_t id) {
  pg::Result r = db_.exec("DELETE FROM freezes WHERE id = $1", id);
  return r.affected() == 1 ? ok_status() : Status(no_freeze(id));
}

Status PgTx::insert_edition(const StoredEdition& e) {
  if (db_.exec("SELECT 1 FROM editions WHERE code = $1 OR effective_from = $2", e.code, e.effective_from).rows() > 0) {
    return exists_error("la edición", "edition", e.code);
  }
  db_.exec(
      "INSERT INTO editions(code, title, yaml, sha256, effective_from, effective_date, loaded_at, loaded_by) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      e.code, e.title, e.yaml, e.sha256, e.effective_from, e.effective_date, e.loaded_at, e.loaded_by);
  return ok_status();
}

Status PgTx::put_setting(const std::string& key, const std::string& value) {
  db_.exec("INSERT INTO settings(key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
           key, value);
  return ok_status();
}

Status PgTx::insert_event(const AuditEvent& e) {
  db_.exec(
      "INSERT INTO audit_events(seq, at, actor, action, subject, before_json, after_json, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      e.seq, e.at, e.actor, e.action, e.subject, e.before, e.after, e.prev_hash, e.hash);
  db_.exec("UPDATE audit_head SET seq = $1", e.seq);
  return ok_status();
}

}  // namespace pasaprod::postgres
