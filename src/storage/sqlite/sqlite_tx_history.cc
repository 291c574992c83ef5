// SqliteTx::for_each_release_history(): whole release histories for reports, streamed.
//
// Five statements run side by side — the releases and each child table (files, reviews,
// records, transitions) restricted to those releases — all ordered by release number, and are
// merged like sorted files: the cost is one pass over each table's matching rows, whatever the
// number of releases, and memory holds one release. Both sides order by the BINARY collation,
// which std::string's comparison matches.
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

}  // namespace

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
