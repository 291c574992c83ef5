// SqliteTx: what whole-trail checks and the library read (one snapshot each).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {

std::vector<std::string> SqliteTx::referenced_blobs() {
  std::vector<std::string> out;
  Stmt st = db_.query("SELECT sha256 FROM release_files UNION SELECT sha256 FROM documents ORDER BY 1");
  while (st.step()) out.push_back(st.text(0));
  return out;
}

LibraryUsage SqliteTx::library_usage() {
  Stmt st = db_.query(
      "SELECT count(*), coalesce(sum(size), 0) FROM "
      "(SELECT sha256, size FROM release_files UNION SELECT sha256, size FROM documents)");
  LibraryUsage u;
  if (st.step()) u = {st.integer(0), st.integer(1)};
  return u;
}

void SqliteTx::scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) {
  constexpr int kChunk = 1000;
  for (;;) {
    std::vector<AuditEvent> batch = read_events(db_, "", after_seq, kChunk);
    for (const AuditEvent& e : batch) {
      if (!fn(e)) return;
    }
    if (batch.size() < static_cast<std::size_t>(kChunk)) return;
    after_seq = batch.back().seq;
  }
}

namespace {

// A record's fields as stored, whatever someone wrote there: string values as they are, other
// values as JSON text, and text that is not a JSON object kept whole under "" (so the replay
// reports it as a difference instead of failing).
std::map<std::string, std::string> stored_fields(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {{"", text}};
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

}  // namespace

void SqliteTx::scan_audited_rows(AuditedRowsVisitor& visitor) {
  {
    Stmt st = db_.query("SELECT number, state, row_version FROM releases ORDER BY number");
    while (st.step()) visitor.release(st.text(0), st.text(1), st.integer(2));
  }
  {
    Stmt st = db_.query("SELECT release, slot, name, sha256 FROM release_files ORDER BY release, slot, name");
    while (st.step()) {
      DeliverableFile f;
      f.slot = st.text(1);
      f.name = st.text(2);
      f.sha256 = st.text(3);
      visitor.file(st.text(0), f);
    }
  }
  {
    Stmt st = db_.query(
        "SELECT release, action, from_state, to_state, by_user, note, manifest_sha256 FROM transitions "
        "ORDER BY release, seq");
    while (st.step()) {
      visitor.transition(st.text(0), {st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), 0, st.text(6)});
    }
  }
  {
    Stmt st = db_.query("SELECT release, type, fields_json, by_user, manifest_sha256 FROM records ORDER BY release, id");
    while (st.step()) {
      Record r;
      r.type = st.text(1);
      r.fields = stored_fields(st.text(2));
      r.by = st.text(3);
      r.manifest_sha256 = st.text(4);
      visitor.record(st.text(0), r);
    }
  }
  {
    Stmt st = db_.query("SELECT release, slot, verdict, note, by_user, slot_digest FROM reviews ORDER BY release, seq");
    while (st.step()) visitor.review(st.text(0), {st.text(1), st.text(2), st.text(3), st.text(4), 0, st.text(5)});
  }
}

std::vector<audit::AuditProblem> SqliteTx::trail_protection_problems() {
  // Exactly as schema.cc creates them: a trigger with another body (a WHEN clause, no RAISE)
  // would no longer protect the trail.
  static constexpr const char* kTriggers[][2] = {
      {"audit_events_no_update",
       "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events\n"
       "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"},
      {"audit_events_no_delete",
       "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events\n"
       "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"},
  };
  std::vector<audit::AuditProblem> out;
  for (const auto& [name, sql] : kTriggers) {
    Stmt st = db_.query(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = 'audit_events'",
        std::string(name));
    if (!st.step()) {
      out.push_back({0, "audit.trigger_missing",
                     fmt::format("falta el disparador {} que impide editar o borrar eventos: alguien "
                                 "lo quitó de la base de datos",
                                 name),
                     fmt::format("the trigger {} that keeps events from being edited or deleted is "
                                 "missing: someone removed it from the database",
                                 name)});
    } else if (st.text(0) != sql) {
      out.push_back({0, "audit.trigger_altered", fmt::format("el disparador {} fue modificado", name),
                     fmt::format("the trigger {} was modified", name)});
    }
  }
  return out;
}

int SqliteTx::schema_version() { return sqlite::schema_version(db_); }

}  // namespace pasaprod::sqlite
