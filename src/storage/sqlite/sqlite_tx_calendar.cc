// SqliteTx: the calendar (store.h, schema versions 13 and 17): windows of a period, their spans
// and feed keys.
#include <limits>

#include <nlohmann/json.hpp>

#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

constexpr const char* kKeyColumns = "id, username, scope, digest, created_at, rotated_at";

// Records given a span per statement by backfill_spans.
constexpr int kBackfillBatch = 500;

CalendarKey key_from(const Stmt& st) {
  return CalendarKey{st.integer(0), st.text(1), st.text(2), st.text(3), st.integer(4), st.integer(5)};
}

}  // namespace

// The records of the type whose span ends after the period starts are a range of
// records_by_span (schema v17); the latest record of the type per request is the one with the
// greatest id (records_by_release).
const char* const kSpanRecordsSql =
    "SELECT rel.number, rel.system, rel.kind, rel.version, rel.title, rel.state, rel.requester, rel.created_at, rel.updated_at, "
    "r.id, r.type, r.fields_json, r.by_user, r.at, r.manifest_sha256, "
    "(SELECT COUNT(*) FROM records e WHERE e.release = r.release AND e.type = r.type AND e.id < r.id), r.span_from, r.span_to "
    "FROM records r JOIN releases rel ON rel.number = r.release "
    "WHERE r.type = ?1 AND r.span_to > ?2 AND r.span_from < ?3 "
    "AND r.id = (SELECT MAX(l.id) FROM records l WHERE l.release = r.release AND l.type = r.type) "
    "AND (?4 = '' OR rel.system = ?4) "
    "AND (?5 = '' OR rel.requester = ?5 "
    "     OR EXISTS (SELECT 1 FROM transitions t WHERE t.release = rel.number AND t.by_user = ?5) "
    "     OR EXISTS (SELECT 1 FROM records p WHERE p.release = rel.number AND p.by_user = ?5) "
    "     OR EXISTS (SELECT 1 FROM reviews v WHERE v.release = rel.number AND v.by_user = ?5)) "
    "ORDER BY r.span_from, rel.number LIMIT ?6";

std::vector<SpanRecord> SqliteTx::span_records(const SpanQuery& q) {
  Stmt st = db_.query(kSpanRecordsSql, q.type, q.from != 0 ? q.from : std::numeric_limits<Timestamp>::min(),
                      q.to != 0 ? q.to : std::numeric_limits<Timestamp>::max(), q.system, q.participant, q.limit);
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
    s.record.span = TimeSpan{st.integer(16), st.integer(17)};
    out.push_back(std::move(s));
  }
  return out;
}

void SqliteTx::set_span(std::int64_t record_id, const TimeSpan& span) {
  db_.query("UPDATE records SET span_from = ?, span_to = ? WHERE id = ?", span.from, span.to, record_id).run();
}

// The records without a span are the NULL end of the type's range in records_by_span.
const char* const kBackfillSpansSql =
    "SELECT r.id, (SELECT f.value FROM json_each(r.fields_json) f WHERE f.key = ?2), "
    "(SELECT f.value FROM json_each(r.fields_json) f WHERE f.key = ?3) "
    "FROM records r WHERE r.type = ?1 AND r.span_to IS NULL AND r.id > ?4 ORDER BY r.id LIMIT ?5";

std::int64_t SqliteTx::backfill_spans(const std::string& type, const std::string& from_key, const std::string& to_key) {
  // Read by id in batches; the keys are bound (json_each: no JSON path is built from them).
  std::int64_t filled = 0, after = 0;
  for (;;) {
    std::vector<std::pair<std::int64_t, std::optional<TimeSpan>>> batch;
    Stmt st = db_.query(kBackfillSpansSql, type, from_key, to_key, after, kBackfillBatch);
    while (st.step()) batch.emplace_back(st.integer(0), parse_span(st.text(1), st.text(2)));
    st.reset();
    for (const auto& [id, span] : batch) {
      after = id;
      if (!span) continue;
      set_span(id, *span);
      ++filled;
    }
    if (batch.size() < static_cast<std::size_t>(kBackfillBatch)) return filled;
  }
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
