// The PMO adherence page (SPEC §7): a period form, the summary figures, the per-control
// tallies, the server-drawn charts and links to the CSV and PDF exports of the API.
#include <cstdio>

#include "service/office_reports.h"
#include "web/pages.h"

namespace pasaprod::web {

using http::Method;
using http::Response;
using nlohmann::json;

namespace {

// `v` with one decimal and the catalog's decimal separator.
std::string decimal(const Page& page, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (auto dot = s.find('.'); dot != std::string::npos) s.replace(dot, 1, page.t("format.decimal"));
  return s;
}

std::string percent(const Page& page, double share) { return page.fmt("adherence.percent", {{"n", decimal(page, share * 100)}}); }

// Median and p90 of a duration distribution in days (or "—" when nothing was measured).
std::string days(const Page& page, const reports::Distribution& d) {
  if (d.count == 0) return page.t("adherence.not_measured");
  return page.fmt("adherence.days", {{"median", decimal(page, d.median / 86400000.0)}, {"p90", decimal(page, d.p90 / 86400000.0)}});
}
std::string hours(const Page& page, const reports::Distribution& d) {
  if (d.count == 0) return page.t("adherence.not_measured");
  return page.fmt("adherence.hours", {{"median", decimal(page, d.median / 3600000.0)}, {"p90", decimal(page, d.p90 / 3600000.0)}});
}

}  // namespace

void add_report_pages(http::RouteTable& routes, const WebPtr& web) {
  add_page(routes, web, Method::get, "/adherence", "PMO adherence report: period form, figures, controls, charts, CSV and PDF",
           PageAccess::signed_in, [](Page& page) {
             const std::string from = page.query("from"), to = page.query("to"), system = page.query("system"),
                               kind = page.query("kind");
             json form = {{"from", from}, {"to", to}};
             json systems = json::array();
             if (auto ss = page.office().systems()) {
               for (const auto& s : *ss) {
                 systems.push_back({{"value", s.code}, {"label", s.code + " — " + s.name}, {"selected", s.code == system}});
               }
             }
             json kinds = json::array();
             for (const auto& k : page.proc().kinds) {
               kinds.push_back({{"value", k.code}, {"label", k.label.get(page.lang)}, {"selected", k.code == kind}});
             }
             json data = {{"title", "adherence"}, {"nav_adherence", true}, {"form", form}, {"systems", systems}, {"kinds", kinds}};
             auto q = parse_adherence_query(page.proc(), from, to, system, "", kind);
             if (!q) {
               data["form_error"] = page.error_view(q.error());
               return page.render("adherence", data, 400);
             }
             auto report = page.office().adherence_report(page.caller(), *q);
             if (!report) return page.error_page(report.error());
             const reports::AdherenceStats& t = report->total;
             auto n = [&](std::int64_t v) { return page.cat->integer(page.lang, v); };
             json figures = json::array();
             auto add = [&](const char* key, const std::string& value) {
               figures.push_back({{"id", std::string("fig-") + key}, {"label", page.t(std::string("adherence.fig_") + key)}, {"value", value}});
             };
             add("requests", n(t.requests));
             add("fully_adherent", n(t.fully_adherent) + " (" + percent(page, t.share_fully_adherent()) + ")");
             add("deployed", n(t.deployed));
             add("change_failure_rate", percent(page, t.change_failure_rate()));
             add("emergencies", percent(page, t.share_emergencies()));
             add("returns_to_qa", n(t.returns_to_qa));
             add("rejections", n(t.rejections));
             add("lead_time", days(page, t.lead_time));
             add("approval_latency", hours(page, t.approval_latency));
             add("deployments_per_month", decimal(page, t.deployments_per_month));
             json controls = json::array();
             for (reports::Control c : reports::all_controls()) {
               const reports::ControlTally& ct = t.controls[static_cast<std::size_t>(c)];
               controls.push_back({{"code", reports::control_code(c)}, {"name", reports::control_name(c, page.lang)},
                                   {"met", n(ct.met)}, {"met_late", n(ct.met_late)}, {"missed", n(ct.missed)},
                                   {"not_applicable", n(ct.not_applicable)}, {"has_missed", ct.missed > 0}});
             }
             json periods = json::array();
             for (const auto& s : report->by_period) {
               periods.push_back({{"key", s.key}, {"requests", n(s.requests)}, {"adherent", percent(page, s.share_fully_adherent())},
                                  {"deployments", decimal(page, s.deployments_per_month)}});
             }
             std::string qs = "from=" + url_part(from) + "&to=" + url_part(to) + "&system=" + url_part(system) + "&kind=" + url_part(kind);
             data["report"] = true;
             data["figures"] = figures;
             data["controls"] = controls;
             data["periods"] = periods;
             data["period"] = from.empty() && to.empty() ? page.t("adherence.all_time")
                                                          : page.fmt("adherence.period", {{"from", from.empty() ? page.t("adherence.open_end") : from},
                                                                                          {"to", to.empty() ? page.t("adherence.open_end") : to}});
             data["chart_adherence"] = "/api/v1/reports/adherence/charts/adherence.svg?" + qs;
             data["chart_deployments"] = "/api/v1/reports/adherence/charts/deployments.svg?" + qs;
             data["csv_url"] = "/api/v1/reports/adherence.csv?" + qs;
             data["stats_csv_url"] = "/api/v1/reports/adherence?format=stats.csv&" + qs;
             data["pdf_url"] = "/api/v1/reports/adherence.pdf?" + qs;
             return page.render("adherence", data);
           });
}

}  // namespace pasaprod::web
