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

// Reads the history of release `number` (files, reviews, records, transitions; digests left
// empty, as for_each_release_history) into r.
void read_history_of(Connection& db, const std::string& number, Release& r) {
  r.files.clear();
  r.reviews.clear();
  r.records.clear();
  r.transitions.clear();
  {
    Stmt st = db.query("SELECT slot, name, size, uploaded_by, uploaded_at FROM release_files WHERE release = ?", number);
    while (st.step()) r.files.push_back({st.text(0), st.text(1), st.integer(2), "", st.text(3), st.integer(4)});
  }
  {
    Stmt st = db.query("SELECT slot, verdict, note, by_user, at FROM reviews WHERE release = ? ORDER BY id", number);
    while (st.step()) r.reviews.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4), ""});
  }
  {
    Stmt st = db.query("SELECT id, type, fields_json, by_user, at FROM records WHERE release = ? ORDER BY id", number);
    while (st.step()) {
      Record rec;
      rec.id = st.integer(0);
      rec.type = st.text(1);
      rec.fields = parse_fields(st.text_view(2));
      rec.by = st.text(3);
      rec.at = st.integer(4);
      r.records.push_back(std::move(rec));
    }
  }
  {
    Stmt st = db.query(
        "SELECT action, from_state, to_state, by_user, note, at FROM transitions WHERE release = ? ORDER BY id", number);
    while (st.step()) r.transitions.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5), ""});
  }
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
    if (!rel.is_null(13)) {
      value.assign(rel.text_view(13));
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
  ChildCursor files(db_, "SELECT release, slot, name, size, uploaded_by, uploaded_at FROM release_files" + of_releases, where);
  ChildCursor reviews(db_, "SELECT release, slot, verdict, note, by_user, at FROM reviews" + of_releases + ", id", where);
  ChildCursor records(db_, "SELECT release, id, type, fields_json, by_user, at FROM records" + of_releases + ", id",
                      where);
  ChildCursor transitions(
      db_, "SELECT release, action, from_state, to_state, by_user, note, at FROM transitions" + of_releases + ", id",
      where);

  Release r;
  while (rel.step()) {
    read_release_row(rel, r);
    r.files.clear();
    r.reviews.clear();
    r.records.clear();
    r.transitions.clear();
    files.rows_of(r.number, [&](const Stmt& st) {
      r.files.push_back({st.text(1), st.text(2), st.integer(3), "", st.text(4), st.integer(5)});
    });
    reviews.rows_of(r.number, [&](const Stmt& st) {
      r.reviews.push_back({st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5), ""});
    });
    records.rows_of(r.number, [&](const Stmt& st) {
      Record rec;
      rec.id = st.integer(1);
      rec.type = st.text(2);
      rec.fields = parse_fields(st.text_view(3));
      rec.by = st.text(4);
      rec.at = st.integer(5);
      r.records.push_back(std::move(rec));
    });
    transitions.rows_of(r.number, [&](const Stmt& st) {
      r.transitions.push_back({st.text(1), st.text(2), st.text(3), st.text(4), st.text(5), st.integer(6), ""});
    });
    fn(r);
  }
}

}  // namespace pasaprod::sqlite
