// /api/v1/reports/adherence: the PMO adherence report (SPEC §7) as JSON, CSV, PDF and SVG
// charts. Every route takes the same query (from, to, system, unit, kind) and answers 403
// naming the roles that may see it (service/office_reports.h), 400 for a malformed date.
#include "api/routes.h"
#include "service/office_reports.h"

namespace pasaprod::api {

using http::Method;
using http::Request;
using http::Response;

namespace {

const std::vector<http::ParamDoc> kQueryDocs = {
    {"from", "First day of the period, YYYY-MM-DD (UTC), included; absent = from the beginning"},
    {"to", "Last day of the period, YYYY-MM-DD (UTC), included; absent = up to now"},
    {"system", "Only this system (code)"},
    {"unit", "Only systems of this owning unit"},
    {"kind", "A kind code of the procedure in force (GET /api/v1/procedure)"},
};

// Answers `format` of the report the request's query selects; `download` adds a
// Content-Disposition so browsers save it under the report's name.
Response answer(ApiContext& ctx, Request& req, const std::string& format, bool download) {
  auto q = parse_adherence_query(ctx.office.current_procedure(), req.query("from").value_or(""), req.query("to").value_or(""), req.query("system").value_or(""),
                                 req.query("unit").value_or(""), req.query("kind").value_or(""));
  if (!q) return problem(req, q.error());
  auto f = ctx.office.adherence_file(caller(req), *q, format, req.lang());
  if (!f) return problem(req, f.error());
  Response r = Response::text(std::move(f->body));
  r.set_header("Content-Type", f->content_type);
  if (download) r.set_header("Content-Disposition", disposition(f->filename));
  return r;
}

}  // namespace

void add_report_routes(http::RouteTable& routes, ApiContext& ctx) {
  routes.add({.method = Method::get,
              .pattern = "/api/v1/reports/adherence",
              .summary = "PMO adherence report",
              .description = "Every control of each release created in the period (met, met late, missed, not applicable, with the "
                             "reason) and the metrics per period, system, unit and kind. `format=csv` (one row per release), "
                             "`format=stats.csv` (one row per group) and `format=pdf` (the monthly report) answer a download "
                             "instead of JSON. For the PMO specialist, the IT chief, the ASI and AGTI heads and administrators.",
              .query = [] {
                auto q = kQueryDocs;
                q.push_back({"format", "json (default) | csv | stats.csv | pdf"});
                return q;
              }(),
              .responses = {{200, "The report (JSON, CSV or PDF)"}, {400, "Malformed date, period, kind or format"},
                            {403, "The caller holds none of the roles that may see it"}},
              .tags = {"reports"},
              .handler = [&ctx](Request& req) {
                const std::string format = req.query("format").value_or("json");
                return answer(ctx, req, format.empty() ? "json" : format, format != "json" && !format.empty());
              }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/reports/adherence.csv",
              .summary = "PMO adherence report as CSV",
              .description = "One row per release (RFC 4180, UTF-8), headers in the caller's language.",
              .query = kQueryDocs,
              .responses = {{200, "text/csv", {}, "text/csv"}, {400, "Malformed date"}, {403, "Not allowed"}},
              .tags = {"reports"},
              .handler = [&ctx](Request& req) { return answer(ctx, req, "csv", true); }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/reports/adherence.pdf",
              .summary = "PMO adherence report as PDF",
              .description = "The monthly report: summary, tables per period, system, unit and kind, control tallies and the "
                             "non-adherent releases.",
              .query = kQueryDocs,
              .responses = {{200, "application/pdf", {}, "application/pdf"}, {400, "Malformed date"}, {403, "Not allowed"}},
              .tags = {"reports"},
              .handler = [&ctx](Request& req) { return answer(ctx, req, "pdf", true); }});
  routes.add({.method = Method::get,
              .pattern = "/api/v1/reports/adherence/charts/{chart}",
              .summary = "Chart of the adherence report (SVG)",
              .description = "`adherence.svg`: share of fully adherent requests per month; `deployments.svg`: deployments per "
                             "month. Drawn by the server.",
              .query = kQueryDocs,
              .responses = {{200, "image/svg+xml", {}, "image/svg+xml"}, {404, "No such chart"}, {403, "Not allowed"}},
              .tags = {"reports"},
              .handler = [&ctx](Request& req) {
                const std::string& chart = req.param("chart");
                if (chart != "adherence.svg" && chart != "deployments.svg") {
                  return problem(req, make_error(Code::not_found, "report.no_chart",
                                                 "No existe el gráfico «" + chart + "»: use adherence.svg o deployments.svg.",
                                                 "There is no chart \"" + chart + "\": use adherence.svg or deployments.svg.")
                                          .with("chart", chart));
                }
                Response r = answer(ctx, req, chart, false);
                if (r.status() == 200) r.set_header("Cache-Control", "no-store");
                return r;
              }});
}

}  // namespace pasaprod::api
