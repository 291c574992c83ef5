// The calendar (issue 15): /calendar/{key}.ics (the secret feeds), /api/v1/calendar (a month's
// windows, freezes and conflicts) and /api/v1/calendar/keys (my feed addresses).
#include "api/routes.h"
#include "service/json_view.h"

namespace pasaprod::api {

using http::Auth;
using http::BodyKind;
using http::Method;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

constexpr std::string_view kIcs = ".ics";

json period_json(const CalendarView& v, const TimeZone& zone) {
  json windows = json::array(), freezes = json::array(), conflicts = json::array();
  for (const auto& w : v.windows) {
    windows.push_back({{"release", w.release.number}, {"system", w.release.system}, {"title", w.release.title},
                       {"state", w.release.state}, {"from", format_iso_local(w.from, zone)}, {"to", format_iso_local(w.to, zone)},
                       {"sequence", w.sequence}, {"recorded_by", w.record.by}});
  }
  for (const auto& f : v.freezes) {
    freezes.push_back({{"id", f.id}, {"from", format_iso_local(f.from, zone)}, {"to", format_iso_local(f.to, zone)}, {"reason", f.reason}});
  }
  for (const auto& c : v.conflicts) {
    json j = {{"release", c.release}, {"from", format_iso_local(c.from, zone)}, {"to", format_iso_local(c.to, zone)}};
    if (c.freeze) {
      j["freeze"] = c.freeze->id;
    } else {
      j["other_release"] = c.other;
    }
    conflicts.push_back(j);
  }
  return {{"time_zone", zone.name()}, {"windows", windows}, {"freezes", freezes}, {"conflicts", conflicts}, {"truncated", v.truncated}};
}

}  // namespace

std::string calendar_url(const Request& req, const ApiContext& ctx, const std::string& key) {
  const std::string path = "/calendar/" + key + std::string(kIcs);
  if (!ctx.office.public_url().empty()) return ctx.office.public_url() + path;
  const std::string host(req.header("Host").value_or(""));
  const bool plain = !host.empty() && host.size() <= 255 && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == std::string::npos;
  return plain ? (ctx.options.secure_cookies ? "https://" : "http://") + host + path : path;
}

void add_calendar_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/calendar/{file}",
              .auth = Auth::none,
              .summary = "A calendar feed (iCalendar) behind its secret address",
              .description = "`{file}` is `KEY.ics`, the key made on the account page or with `POST /api/v1/calendar/keys`. "
                             "No session is needed: the key is the credential (only its SHA-256 is stored; the request log "
                             "shows the route, never the key). Deployment windows from 180 days ago on and the freezes, in "
                             "the key owner's language, times in the office's zone (`TZID` with its `VTIMEZONE`, also named in "
                             "`X-WR-TIMEZONE`); an edited freeze or a moved window comes with a higher `SEQUENCE`. 404 for a "
                             "key that is not, or no longer, anyone's (rotated or removed).",
              .responses = {{200, "The feed", nullptr, "text/calendar"}, {404, "Unknown key"}},
              .tags = {"calendar"},
              .handler = [&ctx](Request& req) {
                const std::string file = req.param("file");
                const bool ics = file.size() > kIcs.size() && file.ends_with(kIcs);
                auto feed = ctx.office.calendar_feed(ics ? file.substr(0, file.size() - kIcs.size()) : "");
                if (!feed) return problem(req, feed.error());
                Response r = Response::text(std::move(*feed));
                r.set_header("Content-Type", "text/calendar; charset=utf-8");
                r.set_header("Cache-Control", "private, no-cache");
                return r;
              },
              .secret_path = true});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/calendar",
              .summary = "A month of deployment windows and freezes, with their conflicts",
              .description = "`month` (YYYY-MM, the office's time zone; default: this month), `system` (a code) and `mine=1` "
                             "(requests I opened or took part in) choose the windows. A conflict is two windows of one system "
                             "that overlap (`other_release`) or a window overlapping a freeze (`freeze`). Times in the office's "
                             "zone, with its offset.",
              .query = {{"month", "YYYY-MM"}, {"system", "System code"}, {"mine", "1: only my requests"}},
              .tags = {"calendar"},
              .handler = [&ctx](Request& req) {
                const auto zone = ctx.office.time_zone();
                const std::string text(req.query("month").value_or(""));
                auto month = text.empty() ? Result<Month>(month_of(ctx.office.now(), *zone)) : parse_month(text, *zone);
                if (!month) return problem(req, month.error());
                const std::string mine = req.query("mine").value_or("") == "1" ? principal(req)->user.username : "";
                auto v = ctx.office.calendar(month->start, month->end, std::string(req.query("system").value_or("")), mine);
                if (!v) return problem(req, v.error());
                json j = period_json(*v, *zone);
                j["month"] = month->text();
                return Response::json(j);
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/calendar/keys",
              .summary = "My calendar addresses",
              .description = "One per scope (`office`, `mine`, `system:CODE`), with when it was made and last rotated; the "
                             "addresses themselves are shown only when made.",
              .tags = {"calendar"},
              .handler = [&ctx](Request& req) { return items_response(req, ctx.office.calendar_keys(caller(req)), calendar_key_json); }});
  routes.add({.method = Method::post,
              .pattern = "/api/v1/calendar/keys",
              .summary = "Make or rotate a calendar address",
              .description = "Body `{scope}`: `office`, `mine` or `system:CODE`. Answers the feed's address in `url` — shown "
                             "only this once. Made again for the same scope, it replaces the address: the old one answers 404 "
                             "from then on. Audit events `calendar.key_create` / `calendar.key_rotate`.",
              .body = BodyKind::json,
              .request_schema = json::parse(R"json({"type":"object","properties":{"scope":{"type":"string"}}})json"),
              .responses = {{201, "Made; the address is in `url`"}},
              .tags = {"calendar"},
              .handler = [&ctx](Request& req) {
                auto k = ctx.office.issue_calendar_key(caller(req), jstr(req.json(), "scope"));
                if (!k) return problem(req, k.error());
                json j = calendar_key_json(k->record);
                j["url"] = calendar_url(req, ctx, k->key);
                return Response::json(j, 201);
              }});
  routes.add({.method = Method::del,
              .pattern = "/api/v1/calendar/keys/{scope}",
              .summary = "Remove a calendar address",
              .description = "The address stops working at once (404). `user` removes another user's address: admin "
                             "only. Audit event `calendar.key_remove` (subject: the address's owner).",
              .query = {{"user", "Whose address (an admin; default: mine)"}},
              .responses = {{204, "Removed"}, {404, "No address of that scope"}},
              .tags = {"calendar"},
              .handler = [&ctx](Request& req) {
                auto st = ctx.office.remove_calendar_key(caller(req), req.param("scope"), std::string(req.query("user").value_or("")));
                return st ? Response::empty() : problem(req, st.error());
              }});
}

}  // namespace pasaprod::api
