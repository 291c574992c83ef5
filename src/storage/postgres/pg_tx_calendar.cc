// PgTx: the calendar: windows of a period and feed keys.
#include <nlohmann/json.hpp>

#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kKeyColumns = "id, username, scope, digest, created_at, rotated_at";

CalendarKey key_from(const pg::Row& row) {
  return CalendarKey{row.integer(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.integer(5)};
}

}  // namespace

std::vector<SpanRecord> PgTx::span_records(const SpanQuery& q) {
  // The span's keys are the caller's (SpanQuery), bound as parameters, compared in the "C"
  // collation; the rows of the type are found through the type prefix of records_by_span_end,
  // and the latest record of the type per request is the one with the greatest id. A record
  // without the start key sorts first, as SQLite sorts NULL.
  pg::Result r = db_.exec(
      "SELECT rel.number, rel.system, rel.kind, rel.version, rel.title, rel.state, rel.requester, rel.created_at, "
      "rel.updated_at, r.id, r.type, r.fields_json, r.by_user, r.at, r.manifest_sha256, "
      "(SELECT COUNT(*) FROM records e WHERE e.release = r.release AND e.type = r.type AND e.id < r.id) "
      "FROM records r JOIN releases rel ON rel.number = r.release "
      "WHERE r.type = $1 AND ((r.fields_json::jsonb ->> $8::text) COLLATE \"C\") > $2 "
      "AND ($3 = '' OR ((r.fields_json::jsonb ->> $7::text) COLLATE \"C\") < $3) "
      "AND r.id = (SELECT MAX(l.id) FROM records l WHERE l.release = r.release AND l.type = r.type) "
      "AND ($4 = '' OR rel.system = $4) "
      "AND ($5 = '' OR rel.requester = $5 "
      "     OR EXISTS (SELECT 1 FROM transitions t WHERE t.release = rel.number AND t.by_user = $5) "
      "     OR EXISTS (SELECT 1 FROM records p WHERE p.release = rel.number AND p.by_user = $5) "
      "     OR EXISTS (SELECT 1 FROM reviews v WHERE v.release = rel.number AND v.by_user = $5)) "
      "ORDER BY ((r.fields_json::jsonb ->> $7::text) COLLATE \"C\") NULLS FIRST, rel.number LIMIT $6",
      // Records keep whole seconds: the start bound rounds down, the end bound up, exactly.
      q.type, q.from != 0 ? format_iso(q.from) : std::string(), q.to != 0 ? format_iso(q.to + 999) : std::string(),
      q.system, q.participant, sql_limit(q.limit), q.from_key, q.to_key);
  std::vector<SpanRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    const pg::Row row = r.row(i);
    SpanRecord s;
    s.release = ReleaseSummary{row.text(0), row.text(1), row.text(2),    row.text(3),   row.text(4),
                               row.text(5), row.text(6), row.integer(7), row.integer(8)};
    s.record.id = row.integer(9);
    s.record.type = row.text(10);
    s.record.fields = nlohmann::json::parse(row.text_view(11)).get<std::map<std::string, std::string>>();
    s.record.by = row.text(12);
    s.record.at = row.integer(13);
    s.record.manifest_sha256 = row.text(14);
    s.earlier = static_cast<int>(row.integer(15));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<CalendarKey> PgTx::calendar_keys(const std::string& username) {
  std::vector<CalendarKey> out;
  pg::Result r =
      db_.exec(std::string("SELECT ") + kKeyColumns + " FROM calendar_keys WHERE username = $1 ORDER BY scope", username);
  for (int i = 0; i < r.rows(); ++i) out.push_back(key_from(r.row(i)));
  return out;
}

std::optional<CalendarKey> PgTx::calendar_key_by_digest(const std::string& digest) {
  pg::Result r = db_.exec(std::string("SELECT ") + kKeyColumns + " FROM calendar_keys WHERE digest = $1", digest);
  if (r.rows() == 0) return std::nullopt;
  return key_from(r.row(0));
}

Result<std::int64_t> PgTx::put_calendar_key(const CalendarKey& k) {
  if (auto other = calendar_key_by_digest(k.digest); other && (other->username != k.username || other->scope != k.scope)) {
    return make_error(Code::already_exists, "store.already_exists", "Esa clave de calendario ya existe.",
                      "That calendar key already exists.");
  }
  pg::Result r = db_.exec(
      "INSERT INTO calendar_keys(username, scope, digest, created_at, rotated_at) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (username, scope) DO UPDATE SET digest = excluded.digest, rotated_at = excluded.rotated_at "
      "RETURNING id",
      k.username, k.scope, k.digest, k.created_at, k.rotated_at);
  return r.row(0).integer(0);
}

Status PgTx::delete_calendar_key(const std::string& username, const std::string& scope) {
  pg::Result r = db_.exec("DELETE FROM calendar_keys WHERE username = $1 AND scope = $2", username, scope);
  if (r.affected() == 0) {
    return make_error(Code::not_found, "calendar.key_not_found",
                      "No tiene una dirección de calendario «" + scope + "».",
                      "You have no calendar address \"" + scope + "\".");
  }
  return ok_status();
}

}  // namespace pasaprod::postgres
