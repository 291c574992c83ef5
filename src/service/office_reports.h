// The PMO adherence report (SPEC §7) as the office serves it: who may see it, how its period
// is given, and the files it is exported as. The computation itself is reports/adherence.h;
// Office::adherence_report (office_reports.cc) loads the releases and runs it.
//
//   Result<AdherenceQuery> q = parse_adherence_query(proc, "2026-03-01", "2026-03-31", "", "", "");
//   if (!q) return q.error();                       // 400: the expected format is named
//   Result<ReportFile> f = office.adherence_file(caller, *q, "csv", Lang::es);
//   if (!f) return f.error();                       // 403 names the roles that may see it
//   send(f->content_type, f->filename, f->body);
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "reports/adherence.h"

namespace pasaprod {

// Which releases a report covers: those created in [from, to), optionally of one system, one
// unit (the owning unit of their system) and one kind.
struct AdherenceQuery {
  Timestamp from = 0;  // inclusive; 0 = unbounded
  Timestamp to = 0;    // exclusive; 0 = unbounded
  std::string system;  // exact code; "" = any
  std::string unit;    // exact unit of the system; "" = any
  std::string kind;    // a kind code of the procedure; "" = any
};

// Builds a query from what people type: `from` and `to` are days "YYYY-MM-DD" (UTC), both
// included (to = 2026-03-31 covers the whole of March 31); "" leaves that end open.
// invalid_argument ("report.bad_date", detail field = "from"/"to") when a date is not of that
// form, and ("report.bad_period") when from is after to; ("report.bad_kind", listing the
// kinds) for a kind that `proc` does not declare.
Result<AdherenceQuery> parse_adherence_query(const Procedure& proc, const std::string& from, const std::string& to,
                                             std::string system, std::string unit, std::string kind);

// Office-wide roles that may see the report and the heads' dashboard: the administering role and
// the roles the edition marks `reads_reports` (edition 02: the PMO specialist who prepares it,
// the IT chief it is reported to, the ASI and AGTI heads).
std::vector<std::string> adherence_viewer_roles(const Procedure& proc);

// A report export ready to send or save.
struct ReportFile {
  std::string content_type;  // "text/csv; charset=utf-8", "application/pdf", ...
  std::string filename;      // "adherencia-2026-03-01_2026-03-31.csv"
  std::string body;
};

// Formats of Office::adherence_file:
//   "json"       adherence_json (UTF-8 JSON)
//   "csv"        adherence_csv, one row per release
//   "stats.csv"  adherence_stats_csv, one row per group (total, periods, systems, units, kinds)
//   "pdf"        the monthly report (adherence_pdf_document rendered with Cairo/Pango)
//   "adherence.svg", "deployments.svg"  the charts (adherence_chart_svg, deployments_chart_svg)
const std::vector<std::string>& adherence_formats();

}  // namespace pasaprod
