// SqliteTx::releases(): the filtered, paged, newest-first listing.
//
// Structured filters (state, system, kind, requester, created range) are answered from one
// covering index that yields the listing order (schema.cc), so COUNT and the page read no
// table rows; COUNT stops past the filter's count_limit. The text filter is a set of release
// ids found first (trigram FTS5 index for 3+ characters, a scan of search_text for shorter
// needles) and then combined:
//   - few matches: each matching release is checked against the filters and sorted;
//   - many matches: one pass over the filters' index in listing order, keeping the ids in
//     the set (stopping early when there are no other filters).
// Either way the text is evaluated once per call and the cost is bounded by the smaller of
// the two sets, not by their product.
#include <fmt/format.h>

#include <algorithm>

#include "storage/sqlite/sqlite_tx.h"

namespace pasaprod::sqlite {
namespace {

constexpr const char* kSummaryColumns =
    "number, system, kind, version, title, state, requester, created_at, updated_at";

ReleaseSummary read_summary(const Stmt& st) {
  ReleaseSummary r;
  r.number = st.text(0);
  r.system = st.text(1);
  r.kind = st.text(2);
  r.version = st.text(3);
  r.title = st.text(4);
  r.state = st.text(5);
  r.requester = st.text(6);
  r.created_at = st.integer(7);
  r.updated_at = st.integer(8);
  return r;
}

// Text matches up to this many are checked one by one; above it, the ordered pass.
constexpr std::size_t kFewMatches = 2000;

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// Ids of the releases whose folded text contains `needle`, ascending.
std::vector<std::int64_t> text_matches(Connection& db, const std::string& needle) {
  std::vector<std::int64_t> ids;
  if (code_points(needle) >= 3) {
    // An FTS5 phrase of trigrams is a substring test. Quoted, so no character of the needle
    // is query syntax ('"' is doubled); no LIKE-style escaping is involved.
    std::string phrase = "\"";
    for (char c : needle) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    phrase += '"';
    Stmt st = db.query("SELECT rowid FROM release_search WHERE release_search MATCH ?", phrase);
    while (st.step()) ids.push_back(st.integer(0));
  } else {
    Stmt st = db.query("SELECT id FROM releases WHERE instr(search_text, ?) > 0", needle);
    while (st.step()) ids.push_back(st.integer(0));
  }
  if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

ReleasePage SqliteTx::releases(const ReleaseFilter& f) {
  const ReleaseWhere where(f);
  const std::size_t limit = static_cast<std::size_t>(std::max(f.limit, 0));
  const std::size_t offset = static_cast<std::size_t>(std::max(f.offset, 0));
  const std::string order = " ORDER BY created_at DESC, number DESC";
  const std::int64_t cap = std::max<std::int64_t>(f.count_limit, 0);
  ReleasePage page;

  const std::string needle = fold_search(f.text);
  if (needle.empty()) {
    {
      // Counting stops one past the cap, inside the index.
      Stmt st = db_.prepare("SELECT COUNT(*) FROM (SELECT 1 " + where.scan_from() + where.sql + " LIMIT ?11)");
      where.bind(st);
      st.bind(11, cap + 1);
      st.step();
      page.total = st.integer(0);
      if (page.total > cap) {
        page.total = cap;
        page.total_capped = true;
      }
    }
    if (limit == 0 || (!page.total_capped && offset >= static_cast<std::size_t>(page.total))) return page;
    Stmt st = db_.prepare(fmt::format("SELECT {} {}{}{} LIMIT ?8 OFFSET ?9",
                                      kSummaryColumns, where.scan_from(), where.sql, order));
    where.bind(st);
    st.bind(8, static_cast<std::int64_t>(limit)).bind(9, static_cast<std::int64_t>(offset));
    while (st.step()) page.items.push_back(read_summary(st));
    return page;
  }

  const std::vector<std::int64_t> ids = text_matches(db_, needle);
  if (ids.size() <= kFewMatches) {
    // Check each match against the filters, then order them as the listing does.
    std::vector<ReleaseSummary> all;
    Stmt st = db_.prepare(
        fmt::format("SELECT {} FROM releases {} AND id = ?10", kSummaryColumns, where.sql));
    for (std::int64_t id : ids) {
      where.bind(st);
      st.bind(10, id);
      if (st.step()) all.push_back(read_summary(st));
      st.reset();
    }
    std::sort(all.begin(), all.end(), [](const ReleaseSummary& a, const ReleaseSummary& b) {
      return a.created_at != b.created_at ? a.created_at > b.created_at : a.number > b.number;
    });
    page.total = static_cast<std::int64_t>(all.size());
    if (page.total > cap) {
      page.total = cap;
      page.total_capped = true;
    }
    for (std::size_t i = offset; i < all.size() && i - offset < limit; ++i) {
      page.items.push_back(std::move(all[i]));
    }
    return page;
  }

  // Many matches: walk the filters' index in listing order, keeping ids in the set.
  std::vector<std::int64_t> window;  // ids of the page, in order
  std::int64_t seen = 0;
  {
    Stmt st = db_.prepare("SELECT id " + where.scan_from() + where.sql + order);
    where.bind(st);
    while (st.step()) {
      if (!std::binary_search(ids.begin(), ids.end(), st.integer(0))) continue;
      if (static_cast<std::size_t>(seen) >= offset && window.size() < limit) {
        window.push_back(st.integer(0));
      }
      ++seen;
      // Without other filters the total is the size of the set; with them, counting stops
      // one past the cap. Either way, stop once the page is full.
      if ((!where.any || seen > cap) && window.size() == limit && static_cast<std::size_t>(seen) >= offset) {
        break;
      }
    }
  }
  page.total = where.any ? seen : static_cast<std::int64_t>(ids.size());
  if (page.total > cap) {
    page.total = cap;
    page.total_capped = true;
  }
  Stmt st = db_.prepare(fmt::format("SELECT {} FROM releases WHERE id = ?", kSummaryColumns));
  for (std::int64_t id : window) {
    st.bind(1, id);
    if (st.step()) page.items.push_back(read_summary(st));
    st.reset();
  }
  return page;
}

}  // namespace pasaprod::sqlite
