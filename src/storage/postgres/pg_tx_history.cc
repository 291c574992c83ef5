// PgTx::for_each_release_history(): whole release histories for reports, streamed.
//
// Five cursors are open side by side — the releases and each child table (files, reviews,
// records, transitions) restricted to those releases — all ordered by release number, and are
// merged like sorted files: one pass over each table's matching rows, read kChunk rows at a
// time, whatever the number of releases; memory holds one release and one chunk per cursor.
// Numbers are COLLATE "C" (byte order), which std::string's comparison matches.
//
// PgTx::for_each_release_derived() and put_derived(): values derived from histories, kept in
// release_derived. The releases are read with their value (a LEFT JOIN on the value's primary
// key); only a release without a current value has its history read, by four per-release
// queries on the child tables' (release, ...) keys.
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr int kChunk = 500;

// A child table's rows, column 0 being the release number, ordered by it.
struct ChildCursor {
  pg::Cursor cursor;
  bool has = false;

  ChildCursor(pg::Connection& db, const std::string& sql, const ReleaseFilter& f)
      : cursor(db, sql, kChunk, f.state, f.system, f.kind, f.requester, f.created_from, f.created_to) {
    has = cursor.next();
  }
  // Calls read(row) for each row of `number`, skipping rows of releases before it (none are
  // expected: every child row's release is one of the releases streamed).
  template <class Fn>
  void rows_of(std::string_view number, Fn read) {
    while (has && cursor.row().text_view(0) < number) has = cursor.next();
    while (has && cursor.row().text_view(0) == number) {
      read(cursor.row());
      has = cursor.next();
    }
  }
};

std::map<std::string, std::string> parse_fields(std::string_view json_text) {
  return nlohmann::json::parse(json_text.begin(), json_text.end()).get<std::map<std::string, std::string>>();
}

// The history columns each child table contributes (digests left out, as reports do not need
// them), and how one row of them joins a Release; `c` is the index of the first of them.
constexpr const char* kFileColumns = "slot, name, size, uploaded_by, uploaded_at";
constexpr const char* kReviewColumns = "slot, verdict, note, by_user, at";
constexpr const char* kRecordColumns = "id, type, fields_json, by_user, at";
constexpr const char* kTransitionColumns = "action, from_state, to_state, by_user, note, at";

void add_file_row(const pg::Row& row, int c, Release& r) {
  r.files.push_back({row.text(c), row.text(c + 1), row.integer(c + 2), "", row.text(c + 3), row.integer(c + 4)});
}
void add_review_row(const pg::Row& row, int c, Release& r) {
  r.reviews.push_back({row.text(c), row.text(c + 1), row.text(c + 2), row.text(c + 3), row.integer(c + 4), ""});
}
void add_record_row(const pg::Row& row, int c, Release& r) {
  Record rec;
  rec.id = row.integer(c);
  rec.type = row.text(c + 1);
  rec.fields = parse_fields(row.text_view(c + 2));
  rec.by = row.text(c + 3);
  rec.at = row.integer(c + 4);
  r.records.push_back(std::move(rec));
}
void add_transition_row(const pg::Row& row, int c, Release& r) {
  r.transitions.push_back(
      {row.text(c), row.text(c + 1), row.text(c + 2), row.text(c + 3), row.text(c + 4), row.integer(c + 5), ""});
}

void clear_history(Release& r) {
  r.files.clear();
  r.reviews.clear();
  r.records.clear();
  r.transitions.clear();
}

// Reads the history of release `number` (files, reviews, records, transitions; digests left
// empty, as for_each_release_history) into r.
void read_history_of(pg::Connection& db, const std::string& number, Release& r) {
  clear_history(r);
  const auto each_row = [&](const char* columns, const char* table, const char* order, auto add) {
    pg::Result res = db.exec(std::string("SELECT ") + columns + " FROM " + table + " WHERE release = $1" + order, number);
    for (int i = 0; i < res.rows(); ++i) add(res.row(i), 0, r);
  };
  each_row(kFileColumns, "release_files", " ORDER BY id", add_file_row);
  each_row(kReviewColumns, "reviews", " ORDER BY seq", add_review_row);
  each_row(kRecordColumns, "records", " ORDER BY id", add_record_row);
  each_row(kTransitionColumns, "transitions", " ORDER BY seq", add_transition_row);
}

}  // namespace

void PgTx::for_each_release_derived(const ReleaseFilter& f, const std::string& derivation,
                                    const std::function<void(const Release&, const std::string*)>& fn) {
  pg::Cursor rel(db_,
                 std::string("SELECT ") + kReleaseColumns +
                     ", d.value FROM releases LEFT JOIN release_derived d"
                     " ON d.release = number AND d.derivation = $7 AND d.at_version = row_version " +
                     kReleaseWhere + " ORDER BY number",
                 kChunk, f.state, f.system, f.kind, f.requester, f.created_from, f.created_to, derivation);
  Release r;
  std::string value;
  while (rel.next()) {
    const pg::Row row = rel.row();
    read_release_row(row, r);
    if (!row.is_null(14)) {
      value.assign(row.text_view(14));
      clear_history(r);
      fn(r, &value);
      continue;
    }
    read_history_of(db_, r.number, r);
    fn(r, nullptr);
  }
}

Status PgTx::put_derived(const std::string& derivation, const std::vector<DerivedValue>& values) {
  // Only at the release's current row_version: a value derived before a change is skipped.
  for (const DerivedValue& v : values) {
    db_.exec(
        "INSERT INTO release_derived(release, derivation, at_version, value) "
        "SELECT number, $2::text, row_version, $4::text FROM releases WHERE number = $1 AND row_version = $3 "
        "ON CONFLICT (release, derivation) DO UPDATE SET at_version = excluded.at_version, value = excluded.value",
        v.release, derivation, v.row_version, v.value);
  }
  return ok_status();
}

void PgTx::for_each_release_history(const ReleaseFilter& f, const std::function<void(const Release&)>& fn) {
  const std::string of_releases =
      std::string(" WHERE release IN (SELECT number FROM releases ") + kReleaseWhere + ") ORDER BY release";
  pg::Cursor rel(db_, std::string("SELECT ") + kReleaseColumns + " FROM releases " + kReleaseWhere + " ORDER BY number",
                 kChunk, f.state, f.system, f.kind, f.requester, f.created_from, f.created_to);
  const auto cursor = [&](const char* columns, const char* table, const char* then_by) {
    return std::string("SELECT release, ") + columns + " FROM " + table + of_releases + then_by;
  };
  ChildCursor files(db_, cursor(kFileColumns, "release_files", ", id"), f);
  ChildCursor reviews(db_, cursor(kReviewColumns, "reviews", ", seq"), f);
  ChildCursor records(db_, cursor(kRecordColumns, "records", ", id"), f);
  ChildCursor transitions(db_, cursor(kTransitionColumns, "transitions", ", seq"), f);

  Release r;
  while (rel.next()) {
    read_release_row(rel.row(), r);
    clear_history(r);
    files.rows_of(r.number, [&](const pg::Row& row) { add_file_row(row, 1, r); });
    reviews.rows_of(r.number, [&](const pg::Row& row) { add_review_row(row, 1, r); });
    records.rows_of(r.number, [&](const pg::Row& row) { add_record_row(row, 1, r); });
    transitions.rows_of(r.number, [&](const pg::Row& row) { add_transition_row(row, 1, r); });
    fn(r);
  }
}

}  // namespace pasaprod::postgres
