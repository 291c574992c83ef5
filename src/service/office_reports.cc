// Office: the PMO adherence report (SPEC §7) — loads the releases of a period from the store in
// one streamed read, each with the stored facts of its history when they are current (else the
// history itself, whose facts are kept afterwards), and runs reports::AdherenceBuilder over
// them; exports it as JSON, CSV, PDF and SVG charts.
#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "core/derived.h"
#include "docs/pdf_render.h"
#include "reports/adherence_facts.h"
#include "service/office.h"
#include "service/office_reports.h"

namespace pasaprod {
namespace {

constexpr Timestamp kDayMs = 24LL * 3600 * 1000;

Error bad_date(const char* field, const std::string& text) {
  return make_error(Code::invalid_argument, "report.bad_date",
                    std::string("Fecha no válida en «") + field + "»: «" + text +
                        "». Use el formato AAAA-MM-DD (por ejemplo 2026-03-01).",
                    std::string("Invalid date in \"") + field + "\": \"" + text +
                        "\". Use the format YYYY-MM-DD (e.g. 2026-03-01).")
      .with("field", field)
      .with("expected", "YYYY-MM-DD");
}

// A day "YYYY-MM-DD" (exactly that form) at 00:00 UTC.
Result<Timestamp> parse_day(const char* field, const std::string& text) {
  const bool shape = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                     std::all_of(text.begin(), text.end(), [](char c) { return c == '-' || std::isdigit(static_cast<unsigned char>(c)); });
  if (!shape) return bad_date(field, text);
  auto t = parse_iso(text);
  if (!t || format_date(*t) != text) return bad_date(field, text);  // also refuses 2026-02-30
  return *t;
}

// "2026-03-01_2026-03-31", "desde-2026-03-01", "hasta-2026-03-31" or "todo".
std::string period_slug(const AdherenceQuery& q) {
  const std::string from = q.from ? format_date(q.from) : "";
  const std::string to = q.to ? format_date(q.to - 1) : "";
  if (!from.empty() && !to.empty()) return from + "_" + to;
  if (!from.empty()) return "desde-" + from;
  if (!to.empty()) return "hasta-" + to;
  return "todo";
}

// Keeps the facts a report gathered (Store::put_derived), for the next report.
void keep_adherence_facts(Store& store, const std::string& derivation, const std::vector<DerivedValue>& values) {
  // In batches, so no write holds the write lock for long (the first report over a large
  // office gathers every release's facts). Failing costs only speed — the next report
  // gathers the facts again — so it never fails the report.
  constexpr std::size_t kBatch = 5000;
  for (std::size_t lo = 0; lo < values.size(); lo += kBatch) {
    const std::vector<DerivedValue> batch(values.begin() + static_cast<std::ptrdiff_t>(lo),
                                          values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), lo + kBatch)));
    try {
      if (!store.write([&](WriteTx& tx) { return tx.put_derived(derivation, batch); })) return;
    } catch (const std::exception&) {
      return;
    }
  }
}

}  // namespace

Result<AdherenceQuery> parse_adherence_query(const Procedure& proc, const std::string& from, const std::string& to,
                                             std::string system, std::string unit, std::string kind) {
  AdherenceQuery q;
  if (!from.empty()) {
    auto t = parse_day("from", from);
    if (!t) return t.error();
    q.from = *t;
  }
  if (!to.empty()) {
    auto t = parse_day("to", to);
    if (!t) return t.error();
    q.to = *t + kDayMs;  // the last day is included
  }
  if (q.from != 0 && q.to != 0 && q.from >= q.to) {
    return make_error(Code::invalid_argument, "report.bad_period",
                      "El periodo no es válido: «from» (" + from + ") es posterior a «to» (" + to + ").",
                      "The period is not valid: \"from\" (" + from + ") is after \"to\" (" + to + ").")
        .with("field", "from");
  }
  if (!kind.empty() && !proc.kind(kind)) {
    Error e = unknown_kind(proc, kind);
    e.id = "report.bad_kind";
    return e;
  }
  q.system = std::move(system);
  q.unit = std::move(unit);
  q.kind = std::move(kind);
  return q;
}

std::vector<std::string> adherence_viewer_roles(const Procedure& proc) { return proc.roles_allowed(&RoleDef::reads_reports); }

const std::vector<std::string>& adherence_formats() {
  static const std::vector<std::string> formats = {"json", "csv", "stats.csv", "pdf", "adherence.svg", "deployments.svg"};
  return formats;
}

Result<reports::AdherenceReport> Office::adherence_report(const Caller& caller, const AdherenceQuery& query) {
  if (auto st = require_admin(caller, adherence_viewer_roles(current_procedure())); !st) return st.error();
  reports::AdherenceOptions options;
  options.from = query.from;
  options.to = query.to;
  options.as_of = clock_.now();
  options.zone = time_zone();
  ReleaseFilter filter;
  filter.system = query.system;
  filter.kind = query.kind;
  filter.created_from = query.from;
  filter.created_to = query.to;

  // Each release is evaluated from the facts of its history (reports/adherence_facts.h). The
  // store keeps them per release under `derivation` (Store::put_derived) while the release is
  // unchanged, so a release whose facts are current costs one row; the others are read whole,
  // their facts gathered and kept afterwards for the next report.
  const Procedure& proc = current_procedure();
  const std::string derivation = reports::adherence_facts_key(proc);
  std::vector<DerivedValue> gathered;  // facts gathered by this report, to keep
  std::vector<System> systems;
  std::optional<reports::AdherenceReport> report;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    systems = tx.systems();
    reports::AdherenceBuilder builder(proc, systems, options);
    std::unordered_set<std::string> in_unit;  // codes of the systems of query.unit
    for (const System& s : systems) {
      if (s.unit == query.unit) in_unit.insert(s.code);
    }
    std::vector<std::string> unreadable;  // stored facts that did not decode (not expected)
    tx.for_each_release_derived(filter, derivation, [&](const Release& r, const std::string* value) {
      if (!query.unit.empty() && in_unit.count(r.system) == 0) return;
      if (value != nullptr) {
        if (auto facts = reports::decode_adherence_facts(*value, r.created_at)) {
          builder.add(r, *facts);
        } else {
          unreadable.push_back(r.number);
        }
        return;
      }
      const reports::AdherenceFacts facts = reports::gather_adherence_facts(proc, r);
      gathered.push_back({r.number, r.row_version, reports::encode_adherence_facts(facts, r.created_at)});
      builder.add(r, facts);
    });
    for (const std::string& number : unreadable) {  // whole again, and their facts replaced
      auto r = tx.release(number);
      if (!r) return r.error();
      const reports::AdherenceFacts facts = reports::gather_adherence_facts(proc, *r);
      gathered.push_back({r->number, r->row_version, reports::encode_adherence_facts(facts, r->created_at)});
      builder.add(*r, facts);
    }
    report = std::move(builder).finish();
    return ok_status();
  });
  if (!st) return st.error();
  keep_adherence_facts(store_, derivation, gathered);
  // Oldest first, as people read a period. The store streams in number order, which is
  // creation order unless a year's sequence outgrew its digits (PP-2026-10000 < PP-2026-2000).
  auto by_creation = [](const reports::ReleaseAdherence& a, const reports::ReleaseAdherence& b) { return a.created_at < b.created_at; };
  auto& rows = report->releases;
  if (!std::is_sorted(rows.begin(), rows.end(), by_creation)) std::stable_sort(rows.begin(), rows.end(), by_creation);
  return std::move(*report);
}

Result<ReportFile> Office::adherence_file(const Caller& caller, const AdherenceQuery& query, const std::string& format, Lang lang) {
  if (std::find(adherence_formats().begin(), adherence_formats().end(), format) == adherence_formats().end()) {
    return make_error(Code::invalid_argument, "report.bad_format",
                      "Formato desconocido «" + format + "»: use json, csv, stats.csv, pdf, adherence.svg o deployments.svg.",
                      "Unknown format \"" + format + "\": use json, csv, stats.csv, pdf, adherence.svg or deployments.svg.")
        .with("field", "format");
  }
  auto report = adherence_report(caller, query);
  if (!report) return report.error();
  const std::string base = "adherencia-" + period_slug(query);
  if (format == "json") return ReportFile{"application/json", base + ".json", reports::adherence_json(*report, lang).dump()};
  if (format == "csv") return ReportFile{"text/csv; charset=utf-8", base + ".csv", reports::adherence_csv(*report, lang)};
  if (format == "stats.csv") {
    return ReportFile{"text/csv; charset=utf-8", base + "-indicadores.csv", reports::adherence_stats_csv(*report, lang)};
  }
  if (format == "adherence.svg") return ReportFile{"image/svg+xml", base + ".svg", reports::adherence_chart_svg(*report, lang)};
  if (format == "deployments.svg") {
    return ReportFile{"image/svg+xml", "despliegues-" + period_slug(query) + ".svg", reports::deployments_chart_svg(*report, lang)};
  }
  // The monthly PDF report.
  reports::DocumentContext ctx;
  ctx.verification_key = document_key_;
  ctx.issued_at = clock_.now();
  ctx.issued_by = caller.local ? "" : caller.username;
  ctx.lang = lang;
  ctx.institution = kDefaultInstitution;
  Status st = store_.read([&](ReadTx& tx) -> Status {
    if (auto inst = tx.setting(kInstitutionSetting); inst && !inst->empty()) ctx.institution = *inst;
    return ok_status();
  });
  if (!st) return st.error();
  auto pdf = docs::render_pdf(reports::adherence_pdf_document(*report, ctx));
  if (!pdf) return pdf.error();
  return ReportFile{"application/pdf", base + ".pdf", std::move(*pdf)};
}

}  // namespace pasaprod
