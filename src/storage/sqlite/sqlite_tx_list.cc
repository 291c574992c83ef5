// SqliteTx::releases(): the filtered, paged, newest-first listing.
//
// Structured filters (state, system, kind, requester, created range) are answered from one
// covering index that yields the listing order (schema.cc), so COUNT and the page read no
// table rows; COUNT stops past the filter's count_limit. Without text, requester or created
// range the total is exact instead, whatever the limit: a sum over the few rows of
// release_counts that match (kCountedTotalSql), not a walk of the matches. The text filter is
// a set of release ids found first (trigram FTS5 index for 3+ characters, a scan of
// search_text for shorter needles), newest id first, and stopping one past the text's count
// limit:
//   - no more than the limit: those are all the matches, combined with the filters below;
//   - more, and no other filter: the page is read from the listing index in listing order,
//     keeping the ids of that window of newest matches. An id older than the window's oldest
//     can't be told a match or not, and sends the call to the combination below; releases
//     stored in the order they were created never do so for pages within the window. The
//     cost is the window plus the rows listed before the page ends, whatever the office's size.
// The combination, for all the matches:
//   - few matches: each matching release is checked against the filters and sorted;
//   - many matches: one pass over the filters' index in listing order, keeping the ids in
//     the set (stopping early when there are no other filters).
// Either way the text is evaluated once per call and the cost is bounded by the smaller of
// the two sets, not by their product.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

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

// Ids of the releases whose folded text contains `needle`, at most `n` (all when n < 0):
// ascending when all, else the n highest, descending.
std::vector<std::int64_t> text_matches(Connection& db, const std::string& needle, std::int64_t n = -1) {
  std::vector<std::int64_t> ids;
  const std::string newest = n < 0 ? std::string() : " ORDER BY rowid DESC LIMIT ?2";
  if (code_points(needle) >= 3) {
    // An FTS5 phrase of trigrams is a substring test. Quoted, so no character of the needle
    // is query syntax ('"' is doubled); no LIKE-style escaping is involved. FTS5 walks the
    // index by descending rowid itself, so the limit bounds the work.
    std::string phrase = "\"";
    for (char c : needle) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    phrase += '"';
    Stmt st = db.prepare("SELECT rowid FROM release_search WHERE release_search MATCH ?1" + newest);
    st.bind(1, phrase);
    if (n >= 0) st.bind(2, n);
    while (st.step()) ids.push_back(st.integer(0));
  } else {
    Stmt st = db.prepare("SELECT id FROM releases WHERE instr(search_text, ?1) > 0" + newest);
    st.bind(1, needle);
    if (n >= 0) st.bind(2, n);
    while (st.step()) ids.push_back(st.integer(0));
  }
  if (n < 0 && !std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

ReleasePage SqliteTx::releases(const ReleaseFilter& f) {
  const ReleaseWhere where(f);
  const std::size_t limit = static_cast<std::size_t>(std::max(f.limit, 0));
  const std::size_t offset = static_cast<std::size_t>(std::max(f.offset, 0));
  const std::string order = f.oldest_first ? " ORDER BY created_at, number" : " ORDER BY created_at DESC, number DESC";
  const std::int64_t cap = std::max<std::int64_t>(f.count_limit, 0);
  ReleasePage page;

  const std::string needle = fold_search(f.text);
  if (needle.empty()) {
    if (where.counted()) {
      Stmt st = db_.prepare(kCountedTotalSql + where.sql);
      where.bind(st);
      st.step();
      page.total = st.integer(0);
    } else {
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

  const std::int64_t text_cap = std::min(cap, std::max<std::int64_t>(f.text_count_limit, 0));
  // The newest matches, one past both the count's limit and the end of the page.
  const std::int64_t want = std::max(text_cap, static_cast<std::int64_t>(offset + limit)) + 1;
  std::vector<std::int64_t> ids = text_matches(db_, needle, want);  // newest first
  const bool all = static_cast<std::int64_t>(ids.size()) < want;
  if (!all && !where.any && !f.oldest_first) {
    if (auto items = newest_page(ids, offset, limit)) {
      page.items = std::move(*items);
      page.total = text_cap;  // more match than the window, which is past the limit
      page.total_capped = true;
      return page;
    }
  }
  if (all) {
    std::reverse(ids.begin(), ids.end());
  } else {
    ids = text_matches(db_, needle);
  }
  return combine(ids, where, offset, limit, text_cap, f.oldest_first);
}

std::optional<std::vector<ReleaseSummary>> SqliteTx::newest_page(const std::vector<std::int64_t>& newest,
                                                                 std::size_t offset, std::size_t limit) {
  std::vector<std::int64_t> window(newest.rbegin(), newest.rend());  // ascending, for the search
  const std::int64_t oldest = window.front();
  std::vector<std::int64_t> ids;  // of the page, in listing order
  if (limit > 0) {
    std::size_t seen = 0;
    bool full = false;
    Stmt st = db_.prepare("SELECT id FROM releases INDEXED BY releases_by_created ORDER BY created_at DESC, number DESC");
    while (!full && st.step()) {
      const std::int64_t id = st.integer(0);
      if (id < oldest) return std::nullopt;  // a match or not: only all the matches can tell
      if (!std::binary_search(window.begin(), window.end(), id)) continue;
      if (seen++ >= offset) ids.push_back(id);
      full = ids.size() == limit;
    }
  }
  std::vector<ReleaseSummary> items;
  Stmt st = db_.prepare(fmt::format("SELECT {} FROM releases WHERE id = ?", kSummaryColumns));
  for (std::int64_t id : ids) {
    st.bind(1, id);
    if (st.step()) items.push_back(read_summary(st));
    st.reset();
  }
  return items;
}

ReleasePage SqliteTx::combine(const std::vector<std::int64_t>& ids, const ReleaseWhere& where, std::size_t offset,
                              std::size_t limit, std::int64_t cap, bool oldest_first) {
  const std::string order = oldest_first ? " ORDER BY created_at, number" : " ORDER BY created_at DESC, number DESC";
  ReleasePage page;
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
    std::sort(all.begin(), all.end(), [&](const ReleaseSummary& a, const ReleaseSummary& b) {
      if (a.created_at != b.created_at) return oldest_first ? a.created_at < b.created_at : a.created_at > b.created_at;
      return oldest_first ? a.number < b.number : a.number > b.number;
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
