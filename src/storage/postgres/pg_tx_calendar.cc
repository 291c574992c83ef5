// PgTx: the calendar: windows of a period, their spans and feed keys.
#include <limits>

#include <nlohmann/json.hpp>

#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kKeyColumns = "id, username, scope, digest, created_at, rotated_at";

// Records given a span per statement by backfill_spans.
constexpr int kBackfillBatch = 500;

CalendarKey key_from(const pg::Row& row) {
  return CalendarKey{row.integer(0), row.text(1), row.text(2), row.text(3), row.integer(4), row.integer(5)};
}

}  // namespace

std::vector<SpanRecord> PgTx::span_records(const SpanQuery& q) {
  // The records of the type whose span ends after the period starts are a range of
  // records_by_span (schema v17); the latest record of the type per request is the one with the
  // greatest id.
  pg::Result r = db_.exec(
      "SELECT rel.number, rel.system, rel.kind, rel.version, rel.title, rel.state, rel.requester, rel.created_at, "
      "rel.updated_at, r.id, r.type, r.fields_json, r.by_user, r.at, r.manifest_sha256, "
      "(SELECT COUNT(*) FROM records e WHERE e.release = r.release AND e.type = r.type AND e.id < r.id), r.span_from, r.span_to "
      "FROM records r JOIN releases rel ON rel.number = r.release "
      "WHERE r.type = $1 AND r.span_to > $2 AND r.span_from < $3 "
      "AND r.id = (SELECT MAX(l.id) FROM records l WHERE l.release = r.release AND l.type = r.type) "
      "AND ($4 = '' OR rel.system = $4) "
      "AND ($5 = '' OR rel.requester = $5 "
      "     OR EXISTS (SELECT 1 FROM transitions t WHERE t.release = rel.number AND t.by_user = $5) "
      "     OR EXISTS (SELECT 1 FROM records p WHERE p.release = rel.number AND p.by_user = $5) "
      "     OR EXISTS (SELECT 1 FROM reviews v WHERE v.release = rel.number AND v.by_user = $5)) "
      "ORDER BY r.span_from, rel.number LIMIT $6",
      q.type, q.from != 0 ? q.from : std::numeric_limits<Timestamp>::min(),
      q.to != 0 ? q.to : std::numeric_limits<Timestamp>::max(), q.system, q.participant, sql_limit(q.limit));
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
    s.record.span = TimeSpan{row.integer(16), row.integer(17)};
    out.push_back(std::move(s));
  }
  return out;
}

void PgTx::set_span(std::int64_t record_id, const TimeSpan& span) {
  db_.exec("UPDATE records SET span_from = $1, span_to = $2 WHERE id = $3", span.from, span.to, record_id);
}

std::int64_t PgTx::backfill_spans(const std::string& type, const std::string& from_key, const std::string& to_key) {
  // The records without a span are the NULL end of the type's range in records_by_span, read
  // by id in batches; the keys are bound parameters.
  std::int64_t filled = 0, after = 0;
  for (;;) {
    pg::Result r = db_.exec(
        "SELECT id, fields_json::jsonb ->> $2::text, fields_json::jsonb ->> $3::text FROM records "
        "WHERE type = $1 AND span_to IS NULL AND id > $4 ORDER BY id LIMIT $5",
        type, from_key, to_key, after, kBackfillBatch);
    for (int i = 0; i < r.rows(); ++i) {
      const pg::Row row = r.row(i);
      after = row.integer(0);
      const std::optional<TimeSpan> span = parse_span(row.text(1), row.text(2));
      if (!span) continue;
      set_span(after, *span);
      ++filled;
    }
    if (r.rows() < kBackfillBatch) return filled;
  }
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
