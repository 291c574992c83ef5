// SqliteTx: the calendar (store.h, schema version 13): windows of a period and feed keys.
#include <nlohmann/json.hpp>

#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

constexpr const char* kKeyColumns = "id, username, scope, digest, created_at, rotated_at";

// The value of the record's field named by parameter `n` (any key: no JSON path is built).
std::string field(int n) {
  return "(SELECT f.value FROM json_each(r.fields_json) f WHERE f.key = ?" + std::to_string(n) + ")";
}

CalendarKey key_from(const Stmt& st) {
  return CalendarKey{st.integer(0), st.text(1), st.text(2), st.text(3), st.integer(4), st.integer(5)};
}

}  // namespace

std::vector<SpanRecord> SqliteTx::span_records(const SpanQuery& q) {
  // The span's keys are the caller's (SpanQuery), bound as parameters; the rows of the type are
  // found through the type prefix of records_by_span_end, and the latest record of the type per
  // request is the one with the greatest id (records_by_release).
  static const std::string from = field(7), to = field(8);
  Stmt st = db_.query(
      "SELECT rel.number, rel.system, rel.kind, rel.version, rel.title, rel.state, rel.requester, rel.created_at, rel.updated_at, "
      "r.id, r.type, r.fields_json, r.by_user, r.at, r.manifest_sha256, "
      "(SELECT COUNT(*) FROM records e WHERE e.release = r.release AND e.type = r.type AND e.id < r.id) "
      "FROM records r JOIN releases rel ON rel.number = r.release "
      "WHERE r.type = ?1 AND " + to + " > ?2 "
      "AND (?3 = '' OR " + from + " < ?3) "
      "AND r.id = (SELECT MAX(l.id) FROM records l WHERE l.release = r.release AND l.type = r.type) "
      "AND (?4 = '' OR rel.system = ?4) "
      "AND (?5 = '' OR rel.requester = ?5 "
      "     OR EXISTS (SELECT 1 FROM transitions t WHERE t.release = rel.number AND t.by_user = ?5) "
      "     OR EXISTS (SELECT 1 FROM records p WHERE p.release = rel.number AND p.by_user = ?5) "
      "     OR EXISTS (SELECT 1 FROM reviews v WHERE v.release = rel.number AND v.by_user = ?5)) "
      "ORDER BY " + from + ", rel.number LIMIT ?6",
      // Records keep whole seconds: the start bound rounds down, the end bound up, exactly.
      q.type, q.from != 0 ? format_iso(q.from) : std::string(), q.to != 0 ? format_iso(q.to + 999) : std::string(), q.system,
      q.participant, q.limit, q.from_key, q.to_key);
  std::vector<SpanRecord> out;
  while (st.step()) {
    SpanRecord s;
    s.release = ReleaseSummary{st.text(0), st.text(1), st.text(2),    st.text(3),   st.text(4),
                               st.text(5), st.text(6), st.integer(7), st.integer(8)};
    s.record.id = st.integer(9);
    s.record.type = st.text(10);
    s.record.fields = nlohmann::json::parse(st.text(11)).get<std::map<std::string, std::string>>();
    s.record.by = st.text(12);
    s.record.at = st.integer(13);
    s.record.manifest_sha256 = st.text(14);
    s.earlier = static_cast<int>(st.integer(15));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<CalendarKey> SqliteTx::calendar_keys(const std::string& username) {
  std::vector<CalendarKey> out;
  Stmt st = db_.query(std::string("SELECT ") + kKeyColumns + " FROM calendar_keys WHERE username = ? ORDER BY scope", username);
  while (st.step()) out.push_back(key_from(st));
  return out;
}

std::optional<CalendarKey> SqliteTx::calendar_key_by_digest(const std::string& digest) {
  Stmt st = db_.query(std::string("SELECT ") + kKeyColumns + " FROM calendar_keys WHERE digest = ?", digest);
  if (!st.step()) return std::nullopt;
  return key_from(st);
}

Result<std::int64_t> SqliteTx::put_calendar_key(const CalendarKey& k) {
  if (auto other = calendar_key_by_digest(k.digest); other && (other->username != k.username || other->scope != k.scope)) {
    return make_error(Code::already_exists, "store.already_exists", "Esa clave de calendario ya existe.",
                      "That calendar key already exists.");
  }
  db_.query(
         "INSERT INTO calendar_keys(username, scope, digest, created_at, rotated_at) VALUES (?, ?, ?, ?, ?) "
         "ON CONFLICT (username, scope) DO UPDATE SET digest = excluded.digest, rotated_at = excluded.rotated_at",
         k.username, k.scope, k.digest, k.created_at, k.rotated_at)
      .run();
  Stmt st = db_.query("SELECT id FROM calendar_keys WHERE username = ? AND scope = ?", k.username, k.scope);
  st.step();
  return st.integer(0);
}

Status SqliteTx::delete_calendar_key(const std::string& username, const std::string& scope) {
  db_.query("DELETE FROM calendar_keys WHERE username = ? AND scope = ?", username, scope).run();
  if (db_.changes() == 0) {
    return make_error(Code::not_found, "calendar.key_not_found", "No tiene una dirección de calendario «" + scope + "».",
                      "You have no calendar address \"" + scope + "\".");
  }
  return ok_status();
}

}  // namespace pasaprod::sqlite
