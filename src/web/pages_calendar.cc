// The calendar page: a month of deployment windows and freezes as a table of weeks (days in
// the office's time zone), each window linked to its request, conflicts marked in words and
// listed below the table.
#include <set>

#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

constexpr Timestamp kDayMs = 86'400'000;

// The `index`-th item (from 0) of a comma-separated catalog list.
std::string nth(const std::string& list, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < index; ++i) start = list.find(',', start) + 1;
  return list.substr(start, list.find(',', start) - start);
}

std::string time_of_day(const Page& page, Timestamp t) {
  const std::string s = page.when(t);
  return s.substr(s.size() - 5);  // "HH:MM" ends both formats
}

Response calendar_page(Page& page) {
  const TimeZone& zone = *page.zone;
  const std::string month_text = page.query("month");
  auto month = month_text.empty() ? Result<Month>(month_of(page.office().now(), zone)) : parse_month(month_text, zone);
  if (!month) return page.error_page(month.error());
  const std::string system = page.query("system");
  const bool mine = page.query("mine") == "1";
  auto v = page.office().calendar(month->start, month->end, system, mine ? page.user().username : "");
  if (!v) return page.error_page(v.error());

  std::set<std::string> conflicted, pairs;
  json conflicts = json::array();
  for (const auto& c : v->conflicts) {
    conflicted.insert(c.release);
    // An overlap is listed once per pair of requests (the office lists it for both).
    if (!c.freeze && !pairs.insert(std::min(c.release, c.other) + " " + std::max(c.release, c.other)).second) continue;
    std::string sys;
    for (const auto& w : v->windows) {
      if (w.release.number == c.release) sys = w.release.system;
    }
    const std::vector<std::pair<std::string, std::string>> args = {
        {"release", c.release}, {"system", sys}, {"other", c.other}, {"reason", c.freeze ? c.freeze->reason : ""},
        {"from", page.when(c.from)}, {"to", page.when(c.to)}};
    json links = json::array({{{"number", c.release}, {"url", "/releases/" + url_part(c.release)}}});
    if (!c.freeze) links.push_back({{"number", c.other}, {"url", "/releases/" + url_part(c.other)}});
    conflicts.push_back({{"text", page.fmt(c.freeze ? "calendar.conflict_freeze" : "calendar.conflict_overlap", args)}, {"links", links}});
  }

  // Weeks from Monday: the grid starts on the Monday on or before the 1st.
  const std::int64_t first = days_from_civil(month->year, month->month, 1);
  const std::int64_t days_in_month = floor_div(zone.to_local(month->end - 1), kDayMs) - first + 1;
  const std::int64_t lead = (first + 3) % 7;  // 1970-01-01 was a Thursday: +3 makes Monday 0
  json weeks = json::array();
  json week = json::array();
  for (std::int64_t i = 0; i < lead; ++i) week.push_back({{"blank", true}});
  for (std::int64_t d = 0; d < days_in_month; ++d) {
    const Timestamp day_start = zone.from_local((first + d) * kDayMs), day_end = zone.from_local((first + d + 1) * kDayMs);
    json items = json::array();
    for (const auto& w : v->windows) {
      if (!(w.from < day_end && day_start < w.to)) continue;
      const bool conflict = conflicted.count(w.release.number) > 0;
      items.push_back({{"window", true},
                       {"url", "/releases/" + url_part(w.release.number)},
                       {"number", w.release.number},
                       {"system", w.release.system},
                       {"title", w.release.title},
                       {"span", time_of_day(page, std::max(w.from, day_start)) + "–" + (w.to >= day_end ? "24:00" : time_of_day(page, w.to))},
                       {"conflict", conflict}});
    }
    for (const auto& f : v->freezes) {
      if (f.from < day_end && day_start < f.to) items.push_back({{"freeze", true}, {"reason", f.reason}});
    }
    week.push_back({{"day", std::to_string(d + 1)}, {"items", items}, {"empty", items.empty()}});
    if (week.size() == 7) {
      weeks.push_back({{"days", week}});
      week = json::array();
    }
  }
  if (!week.empty()) {
    while (week.size() < 7) week.push_back({{"blank", true}});
    weeks.push_back({{"days", week}});
  }
  json weekdays = json::array();
  for (std::size_t i = 0; i < 7; ++i) weekdays.push_back(nth(page.t("calendar.weekdays"), i));
  json systems = json::array();
  if (auto all = page.office().systems()) {
    for (const auto& s : *all) systems.push_back({{"code", s.code}, {"name", s.name}, {"selected", s.code == system}});
  }
  const auto link = [&](const Month& m) {
    return "/calendar?month=" + m.text() + (system.empty() ? "" : "&system=" + url_part(system)) + (mine ? "&mine=1" : "");
  };
  json data = {{"title", "calendar"},
               {"nav_calendar", true},
               {"caption", page.fmt("calendar.month_caption", {{"month", nth(page.t("calendar.months"), month->month - 1)},
                                                               {"year", std::to_string(month->year)},
                                                               {"zone", zone.name()}})},
               {"month", month->text()},
               {"previous_url", link(add_months(*month, -1, zone))},
               {"next_url", link(add_months(*month, 1, zone))},
               {"weekdays", weekdays},
               {"weeks", weeks},
               {"systems", systems},
               {"mine", mine},
               {"conflicts", conflicts},
               {"truncated", v->truncated}};
  return page.render("calendar", data);
}

}  // namespace

void add_calendar_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/calendar",
           "The release calendar: a month (?month=YYYY-MM) of deployment windows and freezes with their conflicts "
           "(?system=CODE, ?mine=1 to narrow it)",
           PageAccess::signed_in, [](Page& page) { return calendar_page(page); });
}

}  // namespace pasaprod::web
