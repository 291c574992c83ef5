// The heads' dashboard (issue 12 point 8), for the roles that see the adherence report: what is
// waiting on whom and since when (oldest first: since the request last changed), this month's
// deployments, rollbacks (of this month's deployments) and emergencies opened, and the next 30
// days' deployment windows of requests in progress and freezes — one page, read at a glance.
// The office refuses the page (permission_denied) to anyone else: it reads the adherence report.
#include <algorithm>
#include <set>

#include "core/calendar.h"
#include "service/office_reports.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

constexpr std::size_t kWaitingShown = 50;  // oldest first
constexpr int kPerState = 500;             // open requests read per state
constexpr Timestamp kAheadMs = 30LL * 86'400'000;  // the windows and freezes of the next 30 days

// Who moves a request of `kind` on from `state`: the R of the actions that lead further along
// the kind's path (not the ways back, aside or out), by their names.
std::string next_roles(const Page& page, const std::string& kind_code, const std::string& state) {
  const Procedure& p = page.proc();
  const KindDef* kind = p.kind(kind_code);
  if (!kind) return "";
  const auto at = std::find(kind->path.begin(), kind->path.end(), state);
  std::set<std::string> seen;
  std::string out;
  for (const auto& a : p.actions) {
    if (!a.kinds.empty() && std::find(a.kinds.begin(), a.kinds.end(), kind_code) == a.kinds.end()) continue;
    if (std::find(a.from.begin(), a.from.end(), state) == a.from.end()) continue;
    const auto to = std::find(kind->path.begin(), kind->path.end(), a.to);
    if (to == kind->path.end() || (at != kind->path.end() && to <= at)) continue;
    for (const auto& r : a.R) {
      if (seen.insert(r).second) out += (out.empty() ? "" : ", ") + p.role_name(r, page.lang);
    }
  }
  return out;
}

// The month's name from the catalog's comma-separated list (calendar.months); `month` 1–12.
std::string month_name(const Page& page, unsigned month) {
  const std::string list = page.t("calendar.months");
  std::size_t start = 0;
  for (unsigned i = 1; i < month && start != std::string::npos; ++i) start = list.find(',', start) + 1;
  return list.substr(start, list.find(',', start) - start);
}

// "3 días", "5 h", "menos de 1 h": how long since `since`.
std::string waited(const Page& page, Timestamp since, Timestamp now) {
  const std::int64_t hours = (now - since) / 3'600'000;
  if (hours >= 48) return page.fmt("dashboard.for_days", {{"n", page.cat->integer(page.lang, hours / 24)}});
  if (hours >= 1) return page.fmt("dashboard.for_hours", {{"n", page.cat->integer(page.lang, hours)}});
  return page.t("dashboard.for_less");
}

Response dashboard_page(Page& page) {
  const Procedure& p = page.proc();
  const Timestamp now = page.office().now();

  std::vector<ReleaseSummary> open;
  for (const auto& st : p.states) {
    if (st.final) continue;
    ReleaseFilter f;
    f.state = st.code;
    f.limit = kPerState;
    f.count_limit = 0;
    auto list = page.office().releases(f);
    if (!list) return page.error_page(list.error());
    open.insert(open.end(), list->items.begin(), list->items.end());
  }
  std::sort(open.begin(), open.end(), [](const ReleaseSummary& a, const ReleaseSummary& b) { return a.updated_at < b.updated_at; });
  json waiting = json::array();
  for (std::size_t i = 0; i < open.size() && i < kWaitingShown; ++i) {
    const ReleaseSummary& r = open[i];
    waiting.push_back({{"number", r.number}, {"url", "/releases/" + url_part(r.number)}, {"title", r.title}, {"system", r.system},
                       {"kind", p.kind_name(r.kind, page.lang)}, {"state", r.state}, {"state_name", p.state_name(r.state, page.lang)},
                       {"who", next_roles(page, r.kind, r.state)}, {"since", page.when(r.updated_at)}, {"waited", waited(page, r.updated_at, now)}});
  }

  // This month, in the office's zone: from the adherence report's facts of every request.
  auto report = page.office().adherence_report(page.caller(), AdherenceQuery{});
  if (!report) return page.error_page(report.error());
  const Month month = month_of(now, *page.zone);
  std::int64_t deployments = 0, rollbacks = 0, emergencies = 0;
  for (const auto& r : report->releases) {
    const bool deployed_now = r.deployed_at >= month.start && r.deployed_at < month.end;
    deployments += deployed_now;
    rollbacks += deployed_now && r.rolled_back;
    emergencies += r.emergency && r.created_at >= month.start && r.created_at < month.end;
  }

  auto cal = page.office().calendar(now, now + kAheadMs, "", "");
  if (!cal) return page.error_page(cal.error());
  json windows = json::array();
  for (const auto& w : cal->windows) {
    if (w.to <= now || p.is_final(w.release.state)) continue;  // past, or of a request that ended
    windows.push_back({{"number", w.release.number}, {"url", "/releases/" + url_part(w.release.number)}, {"title", w.release.title},
                       {"system", w.release.system}, {"from", page.when(w.from)}, {"to", page.when(w.to)}, {"open", w.from <= now}});
  }
  json freezes = json::array();
  for (const auto& f : cal->freezes) {
    if (f.to > now) freezes.push_back({{"from", page.when(f.from)}, {"to", page.when(f.to)}, {"reason", f.reason}, {"current", f.from <= now}});
  }

  json data = {{"title", "dashboard"},
               {"nav_dashboard", true},
               {"waiting", waiting},
               {"has_waiting", !waiting.empty()},
               {"waiting_count", page.fmt("dashboard.waiting_count", {{"n", page.cat->integer(page.lang, static_cast<std::int64_t>(open.size()))}})},
               {"month", page.fmt("dashboard.month", {{"month", month_name(page, month.month)}, {"year", std::to_string(month.year)}})},
               {"deployments", page.cat->integer(page.lang, deployments)},
               {"rollbacks", page.cat->integer(page.lang, rollbacks)},
               {"emergencies", page.cat->integer(page.lang, emergencies)},
               {"windows", windows},
               {"freezes", freezes}};
  return page.render("dashboard", data);
}

}  // namespace

void add_dashboard_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/dashboard",
           "The heads' dashboard: what waits on whom (oldest first), this month's deployments, rollbacks and emergencies, next windows "
           "and freezes",
           PageAccess::signed_in, dashboard_page);
}

}  // namespace pasaprod::web
