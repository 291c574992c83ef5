// PgTx: what whole-trail checks and the library read (one snapshot each). Scans read through
// cursors, a chunk at a time, so memory does not grow with the tables.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "storage/postgres/pg_tx.h"
#include "storage/postgres/schema.h"

namespace pasaprod::postgres {
namespace {

constexpr int kChunk = 1000;

// A record's fields as stored, whatever someone wrote there: string values as they are, other
// values as JSON text, and text that is not a JSON object kept whole under "" (so the replay
// reports it as a difference instead of failing).
std::map<std::string, std::string> stored_fields(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return {{"", std::string(text)}};
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

// Not a trigger, but what keeps concurrent appends in one order: the one row of audit_head.
std::vector<audit::AuditProblem> head_lock_problems(pg::Connection& db) {
  if (db.exec("SELECT COUNT(*) FROM audit_head").row(0).integer(0) == 1) return {};
  return {{0, "audit.head_lock_missing",
           "falta la fila de audit_head que ordena los eventos de nodos simultáneos: no se aceptan eventos "
           "nuevos hasta reponerla",
           "the row of audit_head that orders the events of concurrent nodes is missing: no new event is "
           "accepted until it is put back"}};
}

}  // namespace

std::vector<std::string> PgTx::referenced_blobs() {
  std::vector<std::string> out;
  pg::Result r = db_.exec("SELECT sha256 FROM release_files UNION SELECT sha256 FROM documents ORDER BY 1");
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.row(i).text(0));
  return out;
}

LibraryUsage PgTx::library_usage() {
  pg::Result r = db_.exec(
      "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM "
      "(SELECT sha256, size FROM release_files UNION SELECT sha256, size FROM documents) AS blobs");
  return LibraryUsage{r.row(0).integer(0), r.row(0).integer(1)};
}

void PgTx::scan_events(std::int64_t after_seq, const std::function<bool(const AuditEvent&)>& fn) {
  for (;;) {
    const std::vector<AuditEvent> batch = read_events(db_, "", after_seq, kChunk);
    for (const AuditEvent& e : batch) {
      if (!fn(e)) return;
    }
    if (batch.size() < static_cast<std::size_t>(kChunk)) return;
    after_seq = batch.back().seq;
  }
}

void PgTx::scan_audited_rows(AuditedRowsVisitor& visitor) {
  {
    pg::Cursor c(db_, "SELECT number, state, row_version FROM releases ORDER BY number", kChunk);
    while (c.next()) visitor.release(c.row().text(0), c.row().text(1), c.row().integer(2));
  }
  {
    pg::Cursor c(db_, "SELECT release, slot, name, sha256 FROM release_files ORDER BY release, slot, name", kChunk);
    while (c.next()) {
      DeliverableFile f;
      f.slot = c.row().text(1);
      f.name = c.row().text(2);
      f.sha256 = c.row().text(3);
      visitor.file(c.row().text(0), f);
    }
  }
  {
    pg::Cursor c(db_,
                 "SELECT release, action, from_state, to_state, by_user, note, manifest_sha256 FROM transitions "
                 "ORDER BY release, seq",
                 kChunk);
    while (c.next()) {
      const pg::Row row = c.row();
      visitor.transition(row.text(0), {row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), 0, row.text(6)});
    }
  }
  {
    pg::Cursor c(db_, "SELECT release, type, fields_json, by_user, manifest_sha256 FROM records ORDER BY release, id",
                 kChunk);
    while (c.next()) {
      const pg::Row row = c.row();
      Record r;
      r.type = row.text(1);
      r.fields = stored_fields(row.text_view(2));
      r.by = row.text(3);
      r.manifest_sha256 = row.text(4);
      visitor.record(row.text(0), r);
    }
  }
  {
    pg::Cursor c(db_, "SELECT release, slot, verdict, note, by_user, slot_digest FROM reviews ORDER BY release, seq",
                 kChunk);
    while (c.next()) {
      const pg::Row row = c.row();
      visitor.review(row.text(0), {row.text(1), row.text(2), row.text(3), row.text(4), 0, row.text(5)});
    }
  }
}

std::vector<audit::AuditProblem> PgTx::trail_protection_problems() {
  // pg_trigger.tgtype bits: 1 row-level, 2 before, 8 delete, 16 update, 32 truncate.
  struct Expected {
    const char* name;
    int type;
  };
  static constexpr Expected kTriggers[] = {
      {"audit_events_no_update", 1 | 2 | 16},
      {"audit_events_no_delete", 1 | 2 | 8},
      {"audit_events_no_truncate", 2 | 32},
  };
  std::vector<audit::AuditProblem> out;
  for (const Expected& t : kTriggers) {
    pg::Result r = db_.exec(
        "SELECT t.tgenabled, t.tgtype, p.proname, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE t.tgrelid = to_regclass('audit_events') AND t.tgname = $1",
        t.name);
    if (r.rows() == 0) {
      out.push_back({0, "audit.trigger_missing",
                     fmt::format("falta el disparador {} que impide editar o borrar eventos: alguien lo quitó de la "
                                 "base de datos",
                                 t.name),
                     fmt::format("the trigger {} that keeps events from being edited or deleted is missing: someone "
                                 "removed it from the database",
                                 t.name)});
      continue;
    }
    const pg::Row row = r.row(0);
    // 'O': fires in the usual (origin) mode; 'A': always. 'D' is disabled, 'R' replica only.
    const bool enabled = row.text_view(0) == "O" || row.text_view(0) == "A";
    if (!enabled || row.integer(1) != t.type || row.text_view(2) != "audit_events_append_only" ||
        row.text_view(3) != kAppendOnlyBody) {
      out.push_back({0, "audit.trigger_altered", fmt::format("el disparador {} fue modificado o desactivado", t.name),
                     fmt::format("the trigger {} was modified or disabled", t.name)});
    }
  }
  for (audit::AuditProblem& p : head_lock_problems(db_)) out.push_back(std::move(p));
  return out;
}

int PgTx::schema_version() { return postgres::schema_version(db_); }

}  // namespace pasaprod::postgres
