// SqliteTx::for_each_release_history(): whole release histories for reports, streamed.
//
// Five statements run side by side — the releases and each child table (files, reviews,
// records, transitions) restricted to those releases — all ordered by release number, and are
// merged like sorted files: the cost is one pass over each table's matching rows, whatever the
// number of releases, and memory holds one release. Both sides order by the BINARY collation,
// which std::string's comparison matches.
//
// SqliteTx::for_each_release_derived() and put_derived(): values derived from histories, kept
// in release_derived (schema v5). The releases are read with their value (a LEFT JOIN on the
// value's primary key); only a release without a current value has its history read, by four
// per-release queries on the child tables' (release, ...) indexes.
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

// A child table's rows, column 0 being the release number, ordered by it.
struct ChildCursor {
  Stmt st;
  bool has = false;
  std::string_view key;  // valid until the next step

  ChildCursor(Connection& db, const std::string& sql, const ReleaseWhere& where) : st(db.prepare(sql)) {
    where.bind(st);
    next();
  }
  void next() {
    has = st.step();
    if (has) key = st.text_view(0);
  }
  // Calls read(st) for each row of `number`, skipping rows of releases before it (none are
  // expected: every child row's release is one of the releases streamed).
  template <class Fn>
  void rows_of(std::string_view number, Fn read) {
    while (has && key < number) next();
    while (has && key == number) {
      read(st);
      next();
    }
  }
};

// A JSON object of strings, as add_record writes it. The common shape — string keys and values
// without escapes — is read directly (a report reads ~9 records per release, and a general
// JSON parse of each was the largest cost); anything else goes through nlohmann::json.
std::map<std::string, std::string> parse_fields(std::string_view json_text) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  const std::size_t n = json_text.size();
  auto string_at = [&](std::string& dst) {
    if (i >= n || json_text[i] != '"') return false;
    const std::size_t end = json_text.find_first_of("\\\"", i + 1);
    if (end == std::string::npos || json_text[end] != '"') return false;  // an escape: general path
    dst.assign(json_text.substr(i + 1, end - i - 1));
    i = end + 1;
    return true;
  };
  bool simple = n >= 2 && json_text[0] == '{';
  i = 1;
  if (simple && json_text[i] != '}') {
    for (;;) {
      std::string key, value;
      if (!string_at(key) || i >= n || json_text[i++] != ':' || !string_at(value)) {
        simple = false;
        break;
      }
      out.emplace_hint(out.end(), std::move(key), std::move(value));
      if (i < n && json_text[i] == ',') {
        ++i;
        continue;
      }
      simple = i + 1 == n && json_text[i] == '}';
      break;
    }
  } else if (simple) {
    simple = n == 2;
  }
  if (simple) return out;
  return nlohmann::json::parse(json_text.begin(), json_text.end()).get<std::map<std::string, std::string>>();
}

// The history columns each child table contributes (digests left out, as reports do not need
// them), and how one row of them joins a Release; `c` is the index of the first of them.
constexpr const char* kFileColumns = "slot, name, size, uploaded_by, uploaded_at";
constexpr const char* kReviewColumns = "slot, verdict, note, by_user, at";
constexpr const char* kRecordColumns = "id, type, fields_json, by_user, at";
constexpr const char* kTransitionColumns = "action, from_state, to_state, by_user, note, at";

void add_file_row(const Stmt& st, int c, Release& r) {
  r.files.push_back({st.text(c), st.text(c + 1), st.integer(c + 2), "", st.text(c + 3), st.integer(c + 4)});
}
void add_review_row(const Stmt& st, int c, Release& r) {
  r.reviews.push_back({st.text(c), st.text(c + 1), st.text(c + 2), st.text(c + 3), st.integer(c + 4), ""});
}
void add_record_row(const Stmt& st, int c, Release& r) {
  Record rec;
  rec.id = st.integer(c);
  rec.type = st.text(c + 1);
  rec.fields = parse_fields(st.text_view(c + 2));
  rec.by = st.text(c + 3);
  rec.at = st.integer(c + 4);
  r.records.push_back(std::move(rec));
}
void add_transition_row(const Stmt& st, int c, Release& r) {
  r.transitions.push_back(
      {st.text(c), st.text(c + 1), st.text(c + 2), st.text(c + 3), st.text(c + 4), st.integer(c + 5), ""});
}

void clear_history(Release& r) {
  r.files.clear();
  r.reviews.clear();
  r.records.clear();
  r.transitions.clear();
}

// Reads the history of release `number` (files, reviews, records, transitions; digests left
// empty, as for_each_release_history) into r.
void read_history_of(Connection& db, const std::string& number, Release& r) {
  clear_history(r);
  const auto each_row = [&](const char* columns, const char* table, const char* order, auto add) {
    Stmt st = db.query(std::string("SELECT ") + columns + " FROM " + table + " WHERE release = ?" + order, number);
    while (st.step()) add(st, 0, r);
  };
  each_row(kFileColumns, "release_files", "", add_file_row);
  each_row(kReviewColumns, "reviews", " ORDER BY seq", add_review_row);
  each_row(kRecordColumns, "records", " ORDER BY id", add_record_row);
  each_row(kTransitionColumns, "transitions", " ORDER BY seq", add_transition_row);
}

}  // namespace

void SqliteTx::for_each_release_derived(const ReleaseFilter& filter, const std::string& derivation,
                                        const std::function<void(const Release&, const std::string*)>& fn) {
  const ReleaseWhere where(filter);
  Stmt rel = db_.prepare(std::string("SELECT ") + kReleaseColumns +
                         ", d.value FROM releases LEFT JOIN release_derived d"
                         " ON d.release = number AND d.derivation = ?7 AND d.at_version = row_version " +
                         where.sql + " ORDER BY number");
  where.bind(rel);
  rel.bind(7, derivation);
  Release r;
  std::string value;
  while (rel.step()) {
    read_release_row(rel, r);
    if (!rel.is_null(14)) {
      value.assign(rel.text_view(14));
      r.files.clear();
      r.reviews.clear();
      r.records.clear();
      r.transitions.clear();
      fn(r, &value);
      continue;
    }
    read_history_of(db_, r.number, r);
    fn(r, nullptr);
  }
}

Status SqliteTx::put_derived(const std::string& derivation, const std::vector<DerivedValue>& values) {
  // Only at the release's current row_version: a value derived before a change is skipped.
  for (const DerivedValue& v : values) {
    db_.query(
           "INSERT INTO release_derived(release, derivation, at_version, value) "
           "SELECT number, ?2, row_version, ?4 FROM releases WHERE number = ?1 AND row_version = ?3 "
           "ON CONFLICT(release, derivation) DO UPDATE SET at_version = excluded.at_version, value = excluded.value",
           v.release, derivation, v.row_version, v.value)
        .run();
  }
  return ok_status();
}

void SqliteTx::for_each_release_history(const ReleaseFilter& filter, const std::function<void(const Release&)>& fn) {
  const ReleaseWhere where(filter);
  const std::string of_releases = " WHERE release IN (SELECT number FROM releases " + where.sql + ") ORDER BY release";
  Stmt rel = db_.prepare(std::string("SELECT ") + kReleaseColumns + " FROM releases " + where.sql + " ORDER BY number");
  where.bind(rel);
  const auto cursor = [&](const char* columns, const char* table, const char* then_by) {
    return ChildCursor(db_, std::string("SELECT release, ") + columns + " FROM " + table + of_releases + then_by, where);
  };
  ChildCursor files = cursor(kFileColumns, "release_files", "");
  ChildCursor reviews = cursor(kReviewColumns, "reviews", ", seq");
  ChildCursor records = cursor(kRecordColumns, "records", ", id");
  ChildCursor transitions = cursor(kTransitionColumns, "transitions", ", seq");

  Release r;
  while (rel.step()) {
    read_release_row(rel, r);
    clear_history(r);
    files.rows_of(r.number, [&](const Stmt& st) { add_file_row(st, 1, r); });
    reviews.rows_of(r.number, [&](const Stmt& st) { add_review_row(st, 1, r); });
    records.rows_of(r.number, [&](const Stmt& st) { add_record_row(st, 1, r); });
    transitions.rows_of(r.number, [&](const Stmt& st) { add_transition_row(st, 1, r); });
    fn(r);
  }
}

}  // namespace pasaprod::sqlite
