// PgTx::releases(): the filtered, paged, newest-first listing.
//
// One statement counts the matches (stopping one past the filter's count_limit, or its
// text_count_limit with a text filter) and one reads the page. Without text, requester or
// created range the count is exact instead, whatever the limit: a sum over the rows of
// release_counts (schema v18) that match, one per (state, system, kind), not a walk of the
// matches. The structured filters lead the releases_by_* indexes, read backwards in listing
// order. The text filter is a substring test on search_text (fold_search of number, title and
// summary, like the needle): LIKE with the needle's wildcards escaped, so '%' and '_' match
// themselves. Correctness first: it scans the rows the structured filters leave (an index
// for it, e.g. pg_trgm's gin_trgm_ops, would need an extension the database may not have).
#include <fmt/format.h>

#include <algorithm>

#include "core/search_fold.h"
#include "storage/postgres/pg_tx.h"

namespace pasaprod::postgres {
namespace {

constexpr const char* kSummaryColumns = "number, system, kind, version, title, state, requester, created_at, updated_at";

ReleaseSummary read_summary(const pg::Row& row) {
  ReleaseSummary r;
  r.number = row.text(0);
  r.system = row.text(1);
  r.kind = row.text(2);
  r.version = row.text(3);
  r.title = row.text(4);
  r.state = row.text(5);
  r.requester = row.text(6);
  r.created_at = row.integer(7);
  r.updated_at = row.integer(8);
  return r;
}

// `needle` as a LIKE pattern matching any text that contains it ('\' is the escape).
std::string contains_pattern(const std::string& needle) {
  std::string out = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  out += '%';
  return out;
}

// The exact number of releases of the state, system and kind $1..$3 ('' = any).
constexpr const char* kCountedTotalSql =
    "SELECT COALESCE(SUM(n), 0)::bigint FROM release_counts"
    " WHERE ($1 = '' OR state = $1) AND ($2 = '' OR system = $2) AND ($3 = '' OR kind = $3)";

}  // namespace

ReleasePage PgTx::releases(const ReleaseFilter& f) {
  const std::int64_t limit = std::max(f.limit, 0);
  const std::int64_t offset = std::max(f.offset, 0);
  const std::string needle = fold_search(f.text);
  std::int64_t cap = std::max<std::int64_t>(f.count_limit, 0);
  if (!needle.empty()) cap = std::min(cap, std::max<std::int64_t>(f.text_count_limit, 0));
  // $7: the text pattern, '' = any.
  const std::string sql = std::string(kReleaseWhere) + " AND ($7 = '' OR search_text LIKE $7 ESCAPE '\\')";
  const std::string pattern = needle.empty() ? std::string() : contains_pattern(needle);
  ReleasePage page;
  if (needle.empty() && f.requester.empty() && f.created_from == 0 && f.created_to == 0) {
    pg::Result r = db_.exec(kCountedTotalSql, f.state, f.system, f.kind);
    page.total = r.row(0).integer(0);
  } else {
    pg::Result r = db_.exec("SELECT COUNT(*) FROM (SELECT 1 FROM releases " + sql + " LIMIT $8) AS m", f.state, f.system,
                            f.kind, f.requester, f.created_from, f.created_to, pattern, cap + 1);
    page.total = r.row(0).integer(0);
    if (page.total > cap) {
      page.total = cap;
      page.total_capped = true;
    }
  }
  if (limit == 0 || (!page.total_capped && offset >= page.total)) return page;
  const char* order = f.oldest_first ? "created_at, number" : "created_at DESC, number DESC";
  pg::Result r = db_.exec(fmt::format("SELECT {} FROM releases {} ORDER BY {} LIMIT $8 OFFSET $9", kSummaryColumns, sql, order),
                          f.state, f.system, f.kind, f.requester, f.created_from, f.created_to, pattern, limit, offset);
  for (int i = 0; i < r.rows(); ++i) page.items.push_back(read_summary(r.row(i)));
  return page;
}

}  // namespace pasaprod::postgres
