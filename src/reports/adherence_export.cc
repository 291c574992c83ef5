// Exports of an AdherenceReport: CSV, JSON, the monthly PDF report and SVG charts (adherence.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/time.h"
#include "docs/svg_chart.h"
#include "docs/verification_code.h"
#include "reports/adherence.h"
#include "reports/csv.h"
#include "reports/document_text.h"

namespace pasaprod::reports {
namespace {

using text::tr;

std::string iso_or_empty(Timestamp t) { return t == 0 ? std::string() : format_iso(t); }

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string days_or_empty(const Distribution& d, bool p90) {
  if (d.count == 0) return "";
  return fixed((p90 ? d.p90 : d.median) / 86400000.0, 2);
}

// The reasons of the controls missed or met late, "Control: reason; ...".
std::string problems(const ReleaseAdherence& a, Lang lang, const TimeZone* zone) {
  std::string out;
  for (const ControlResult& c : a.controls) {
    if (c.outcome != Outcome::missed && c.outcome != Outcome::met_late) continue;
    if (!out.empty()) out += "; ";
    out += control_name(c.control, lang) + ": " + c.reason(lang, zone);
  }
  return out;
}

nlohmann::json distribution_json(const Distribution& d) {
  if (d.count == 0) return {{"count", 0}, {"median_ms", nullptr}, {"p90_ms", nullptr}};
  return {{"count", d.count}, {"median_ms", d.median}, {"p90_ms", d.p90}};
}

nlohmann::json stats_json(const AdherenceStats& s) {
  nlohmann::json controls = nlohmann::json::object();
  for (Control c : all_controls()) {
    const ControlTally& t = s.controls[static_cast<std::size_t>(c)];
    controls[control_code(c)] = {{"met", t.met}, {"met_late", t.met_late}, {"missed", t.missed}, {"not_applicable", t.not_applicable}};
  }
  return {{"key", s.key},
          {"requests", s.requests},
          {"fully_adherent", s.fully_adherent},
          {"share_fully_adherent", s.share_fully_adherent()},
          {"returns_to_qa", s.returns_to_qa},
          {"rejections", s.rejections},
          {"deployed", s.deployed},
          {"rolled_back", s.rolled_back},
          {"change_failure_rate", s.change_failure_rate()},
          {"emergencies", s.emergencies},
          {"share_emergencies", s.share_emergencies()},
          {"lead_time", distribution_json(s.lead_time)},
          {"approval_latency", distribution_json(s.approval_latency)},
          {"deployments_per_month", s.deployments_per_month},
          {"controls", controls}};
}

std::string days_text(const Distribution& d, bool p90, Lang l) {
  return d.count == 0 ? "—" : text::days(p90 ? d.p90 : d.median, l);
}

docs::Table stats_table(const std::string& first, const std::vector<AdherenceStats>& groups, Lang l) {
  docs::Table t{{{first, 0.19},
                 {tr(l, "Solic.", "Req."), 0.08},
                 {tr(l, "Adher.", "Adher."), 0.10},
                 {tr(l, "Dev.", "Ret."), 0.09},
                 {tr(l, "Rech.", "Rej."), 0.08},
                 {tr(l, "Fallo", "CFR"), 0.10},
                 {tr(l, "Emerg.", "Emerg."), 0.10},
                 {tr(l, "Entrega (días)", "Lead (days)"), 0.14},
                 {tr(l, "Desp./mes", "Depl./mo."), 0.12}},
                {}};
  for (const AdherenceStats& s : groups) {
    t.rows.push_back({s.key.empty() ? tr(l, "(sin dato)", "(none)") : s.key, std::to_string(s.requests),
                      text::percent(s.share_fully_adherent(), l), std::to_string(s.returns_to_qa), std::to_string(s.rejections),
                      text::percent(s.change_failure_rate(), l), text::percent(s.share_emergencies(), l),
                      days_text(s.lead_time, false, l) + " / " + days_text(s.lead_time, true, l),
                      fixed(s.deployments_per_month, 1)});
  }
  if (t.rows.empty()) t.rows.push_back({"—", "0", "", "", "", "", "", "", ""});
  return t;
}

docs::Paragraph stats_legend(Lang l) {
  return docs::Paragraph{
      tr(l,
         "Solic.: solicitudes. Adher.: plenamente adherentes. Dev.: devoluciones a Calidad. Rech.: rechazos. Fallo: tasa de "
         "fallo de cambios (revertidos / desplegados). Emerg.: proporción de emergencias. Entrega: tiempo de entrega en días, "
         "mediana / p90. Desp./mes: despliegues por mes.",
         "Req.: requests. Adher.: fully adherent. Ret.: returns to QA. Rej.: rejections. CFR: change failure rate (rolled back / "
         "deployed). Emerg.: share of emergencies. Lead: lead time in days, median / p90. Depl./mo.: deployments per month."),
      true};
}

// "mediana 24,0 h; p90 28,4 h" (hours) or "… d" (days).
std::string median_p90(const Distribution& d, bool hours, Lang l) {
  if (d.count == 0) return "—";
  const double unit = hours ? 3600000.0 : 86400000.0;
  const char* suffix = hours ? " h" : " d";
  auto num = [&](double v) {
    std::string out = fixed(v / unit, 1);
    if (l == Lang::es) std::replace(out.begin(), out.end(), '.', ',');
    return out + suffix;
  };
  return tr(l, "mediana ", "median ") + num(d.median) + "; p90 " + num(d.p90);
}

std::string chart_or_fallback(Result<std::string> svg) {
  if (svg) return *svg;
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 360\"><title>" + docs::xml_escape(svg.error().en) +
         "</title></svg>";
}

}  // namespace

std::string adherence_csv(const AdherenceReport& report, Lang l) {
  std::string out;
  // Times twice: ISO 8601 UTC, and (with a zone) ISO 8601 with the office's offset.
  const TimeZone* zone = report.options.zone.get();
  const std::string local = zone ? " (" + zone->name() + ")" : "";
  std::vector<std::string> header = {tr(l, "Número", "Number"), tr(l, "Sistema", "System"), tr(l, "Unidad", "Unit"),
                                     tr(l, "Tipo", "Kind"),     tr(l, "Estado", "State"),   tr(l, "Creado (UTC)", "Created (UTC)")};
  if (zone) header.push_back(tr(l, "Creado", "Created") + local);
  header.push_back(tr(l, "Desplegado (UTC)", "Deployed (UTC)"));
  if (zone) header.push_back(tr(l, "Desplegado", "Deployed") + local);
  header.push_back(tr(l, "Plenamente adherente", "Fully adherent"));
  for (Control c : all_controls()) header.push_back(control_name(c, l));
  header.push_back(tr(l, "Observaciones", "Findings"));
  csv_row(out, header);
  for (const ReleaseAdherence& a : report.releases) {
    auto local_iso = [&](Timestamp t) { return t == 0 ? std::string() : format_iso_local(t, *zone); };
    std::vector<std::string> row = {a.number, a.system, a.unit, a.kind, a.state, iso_or_empty(a.created_at)};
    if (zone) row.push_back(local_iso(a.created_at));
    row.push_back(iso_or_empty(a.deployed_at));
    if (zone) row.push_back(local_iso(a.deployed_at));
    row.push_back(a.fully_adherent ? tr(l, "sí", "yes") : tr(l, "no", "no"));
    for (const ControlResult& c : a.controls) row.push_back(outcome_name(c.outcome, l));
    row.push_back(problems(a, l, report.options.zone.get()));
    csv_row(out, row);
  }
  return out;
}

std::string adherence_stats_csv(const AdherenceReport& report, Lang l) {
  std::string out;
  csv_row(out, {tr(l, "Agrupación", "Grouping"), tr(l, "Clave", "Key"), tr(l, "Solicitudes", "Requests"),
                tr(l, "Plenamente adherentes", "Fully adherent"), tr(l, "Proporción adherente", "Share adherent"),
                tr(l, "Devoluciones a Calidad", "Returns to QA"), tr(l, "Rechazos", "Rejections"), tr(l, "Desplegados", "Deployed"),
                tr(l, "Revertidos", "Rolled back"), tr(l, "Tasa de fallo de cambios", "Change failure rate"),
                tr(l, "Emergencias", "Emergencies"), tr(l, "Proporción de emergencias", "Share of emergencies"),
                tr(l, "Tiempo de entrega mediana (días)", "Lead time median (days)"),
                tr(l, "Tiempo de entrega p90 (días)", "Lead time p90 (days)"),
                tr(l, "Latencia de aprobación mediana (días)", "Approval latency median (days)"),
                tr(l, "Latencia de aprobación p90 (días)", "Approval latency p90 (days)"),
                tr(l, "Despliegues por mes", "Deployments per month")});
  auto emit = [&](const std::string& grouping, const AdherenceStats& s) {
    csv_row(out, {grouping, s.key, std::to_string(s.requests), std::to_string(s.fully_adherent), fixed(s.share_fully_adherent(), 4),
                  std::to_string(s.returns_to_qa), std::to_string(s.rejections), std::to_string(s.deployed),
                  std::to_string(s.rolled_back), fixed(s.change_failure_rate(), 4), std::to_string(s.emergencies),
                  fixed(s.share_emergencies(), 4), days_or_empty(s.lead_time, false), days_or_empty(s.lead_time, true),
                  days_or_empty(s.approval_latency, false), days_or_empty(s.approval_latency, true),
                  fixed(s.deployments_per_month, 2)});
  };
  emit(tr(l, "total", "total"), report.total);
  for (const auto& s : report.by_period) emit(tr(l, "periodo", "period"), s);
  for (const auto& s : report.by_system) emit(tr(l, "sistema", "system"), s);
  for (const auto& s : report.by_unit) emit(tr(l, "unidad", "unit"), s);
  for (const auto& s : report.by_kind) emit(tr(l, "tipo", "kind"), s);
  return out;
}

nlohmann::json adherence_json(const AdherenceReport& report, Lang l) {
  nlohmann::json j;
  j["from"] = iso_or_empty(report.options.from);
  j["to"] = iso_or_empty(report.options.to);
  j["as_of"] = iso_or_empty(report.options.as_of);
  j["closing_due_days"] = report.options.closing_due_days;
  j["period_basis"] = "created";
  j["span_months"] = report.span_months;
  j["controls"] = nlohmann::json::array();
  for (Control c : all_controls()) j["controls"].push_back({{"code", control_code(c)}, {"name", control_name(c, l)}});
  j["total"] = stats_json(report.total);
  for (const char* name : {"by_period", "by_system", "by_unit", "by_kind"}) j[name] = nlohmann::json::array();
  for (const auto& s : report.by_period) j["by_period"].push_back(stats_json(s));
  for (const auto& s : report.by_system) j["by_system"].push_back(stats_json(s));
  for (const auto& s : report.by_unit) j["by_unit"].push_back(stats_json(s));
  for (const auto& s : report.by_kind) j["by_kind"].push_back(stats_json(s));
  j["deployments_per_month"] = nlohmann::json::array();
  for (const auto& [month, n] : report.deployments_per_month) j["deployments_per_month"].push_back({{"month", month}, {"count", n}});
  nlohmann::json rel = nlohmann::json::array();
  for (const ReleaseAdherence& a : report.releases) {
    nlohmann::json controls = nlohmann::json::array();
    for (const ControlResult& c : a.controls) {
      controls.push_back({{"control", control_code(c.control)}, {"outcome", outcome_code(c.outcome)}, {"reason", c.reason(l, report.options.zone.get())}});
    }
    rel.push_back({{"number", a.number},
                   {"system", a.system},
                   {"unit", a.unit},
                   {"kind", a.kind},
                   {"state", a.state},
                   {"created_at", iso_or_empty(a.created_at)},
                   {"deployed_at", a.deployed_at == 0 ? nlohmann::json(nullptr) : nlohmann::json(format_iso(a.deployed_at))},
                   {"fully_adherent", a.fully_adherent},
                   {"returns_to_qa", a.returns_to_qa},
                   {"rejected", a.rejected},
                   {"rolled_back", a.rolled_back},
                   {"lead_time_ms", a.lead_time < 0 ? nlohmann::json(nullptr) : nlohmann::json(a.lead_time)},
                   {"approval_latency_ms", a.approval_latency < 0 ? nlohmann::json(nullptr) : nlohmann::json(a.approval_latency)},
                   {"controls", std::move(controls)}});
  }
  j["releases"] = std::move(rel);
  return j;
}

std::string adherence_payload(const AdherenceReport& report, Timestamp issued_at) {
  return "pasaprod-document-v1|adherence_report|" + iso_or_empty(report.options.from) + "|" + iso_or_empty(report.options.to) +
         "|" + format_iso(issued_at);
}

docs::PdfDocument adherence_pdf_document(const AdherenceReport& report, const DocumentContext& ctx, std::size_t max_release_rows) {
  const Lang l = ctx.lang;
  const AdherenceStats& t = report.total;
  docs::PdfDocument doc;
  doc.institution = ctx.institution;
  doc.title = tr(l, "Informe de adherencia al procedimiento de pase a producción",
                 "Release procedure adherence report");
  const std::string from = report.options.from ? text::date(report.options.from) : tr(l, "el inicio", "the beginning");
  const std::string to = report.options.to ? text::date(report.options.to - 1) : tr(l, "la fecha", "today");
  doc.subtitle = tr(l, "Solicitudes creadas desde ", "Requests created from ") + from + tr(l, " hasta ", " to ") + to;
  doc.created_at = format_iso(ctx.issued_at);
  doc.verification_code = docs::verification_code_for(ctx.verification_key, adherence_payload(report, ctx.issued_at));
  doc.footer_note = tr(l, "Documento generado por pasaprod el ", "Document generated by pasaprod on ") + text::datetime(ctx.issued_at) +
                    (ctx.issued_by.empty() ? "" : tr(l, " a pedido de ", " at the request of ") + text::person(ctx, ctx.issued_by)) + ".";

  doc.blocks.emplace_back(docs::Heading{tr(l, "1. Resumen", "1. Summary")});
  doc.blocks.emplace_back(docs::KeyValueTable{{
      {tr(l, "Solicitudes", "Requests"), std::to_string(t.requests)},
      {tr(l, "Plenamente adherentes", "Fully adherent"), std::to_string(t.fully_adherent) + " (" + text::percent(t.share_fully_adherent(), l) + ")"},
      {tr(l, "Devoluciones a Calidad", "Returns to QA"), std::to_string(t.returns_to_qa)},
      {tr(l, "Rechazos", "Rejections"), std::to_string(t.rejections)},
      {tr(l, "Desplegados / revertidos", "Deployed / rolled back"), std::to_string(t.deployed) + " / " + std::to_string(t.rolled_back)},
      {tr(l, "Tasa de fallo de cambios", "Change failure rate"), text::percent(t.change_failure_rate(), l)},
      {tr(l, "Proporción de emergencias", "Share of emergencies"), text::percent(t.share_emergencies(), l)},
      {tr(l, "Tiempo de entrega", "Lead time"), median_p90(t.lead_time, false, l)},
      {tr(l, "Latencia de aprobación", "Approval latency"), median_p90(t.approval_latency, true, l)},
      {tr(l, "Despliegues por mes", "Deployments per month"), fixed(t.deployments_per_month, 1)},
  }});
  doc.blocks.emplace_back(docs::Paragraph{
      tr(l,
         "Cada solicitud se cuenta en el mes en que se creó. Es plenamente adherente cuando ningún control del procedimiento "
         "quedó incumplido ni se cumplió tarde. Tiempo de entrega: de la solicitud de pase a Calidad (o de la creación, en "
         "emergencias) al despliegue. Latencia de aprobación: del informe de pase a la aprobación.",
         "Each request counts in the month it was created. It is fully adherent when no control of the procedure was missed "
         "or met late. Lead time: from the QA pass request (or creation, for emergencies) to deployment. Approval latency: "
         "from the release report to the approval."),
      true});

  doc.blocks.emplace_back(docs::Heading{tr(l, "2. Controles", "2. Controls")});
  docs::Table controls{{{tr(l, "Control", "Control"), 0.44}, {outcome_name(Outcome::met, l), 0.14},
                        {outcome_name(Outcome::met_late, l), 0.14}, {outcome_name(Outcome::missed, l), 0.14},
                        {outcome_name(Outcome::not_applicable, l), 0.14}},
                       {}};
  for (Control c : all_controls()) {
    const ControlTally& ct = t.controls[static_cast<std::size_t>(c)];
    controls.rows.push_back({control_name(c, l), std::to_string(ct.met), std::to_string(ct.met_late), std::to_string(ct.missed),
                             std::to_string(ct.not_applicable)});
  }
  doc.blocks.emplace_back(std::move(controls));

  doc.blocks.emplace_back(docs::Heading{tr(l, "3. Por periodo", "3. By period")});
  doc.blocks.emplace_back(stats_table(tr(l, "Mes", "Month"), report.by_period, l));
  doc.blocks.emplace_back(stats_legend(l));
  doc.blocks.emplace_back(docs::Heading{tr(l, "4. Por sistema", "4. By system")});
  doc.blocks.emplace_back(stats_table(tr(l, "Sistema", "System"), report.by_system, l));
  doc.blocks.emplace_back(docs::Heading{tr(l, "5. Por unidad", "5. By unit")});
  doc.blocks.emplace_back(stats_table(tr(l, "Unidad", "Unit"), report.by_unit, l));
  doc.blocks.emplace_back(docs::Heading{tr(l, "6. Por tipo", "6. By kind")});
  doc.blocks.emplace_back(stats_table(tr(l, "Tipo", "Kind"), report.by_kind, l));

  doc.blocks.emplace_back(docs::Heading{tr(l, "7. Solicitudes no adherentes", "7. Non-adherent requests")});
  docs::Table bad{{{tr(l, "Número", "Number"), 0.16}, {tr(l, "Sistema", "System"), 0.14}, {tr(l, "Observaciones", "Findings"), 0.70}}, {}};
  std::size_t left_out = 0;
  for (const ReleaseAdherence& a : report.releases) {
    if (a.fully_adherent) continue;
    if (bad.rows.size() >= max_release_rows) {
      ++left_out;
      continue;
    }
    bad.rows.push_back({a.number, a.system, problems(a, l, report.options.zone.get())});
  }
  if (bad.rows.empty()) {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "Ninguna.", "None.")});
  } else {
    doc.blocks.emplace_back(std::move(bad));
  }
  if (left_out > 0) {
    doc.blocks.emplace_back(docs::Paragraph{tr(l, "… y ", "… and ") + std::to_string(left_out) +
                                         tr(l, " solicitudes más (véase la exportación CSV).", " more requests (see the CSV export).")});
  }
  doc.blocks.emplace_back(docs::Spacer{8});
  doc.blocks.emplace_back(docs::Paragraph{tr(l, "Código de verificación: ", "Verification code: ") + doc.verification_code, true});
  doc.blocks.emplace_back(docs::SignatureRow{{docs::Signature{text::person(ctx, ctx.issued_by), tr(l, "Especialista PMO", "PMO specialist"), "", false}}});
  return doc;
}

std::string adherence_chart_svg(const AdherenceReport& report, Lang l) {
  docs::Chart c;
  c.id = "adherence";
  c.title = tr(l, "Solicitudes plenamente adherentes por mes (%)", "Fully adherent requests per month (%)");
  c.x_label = tr(l, "Mes de creación", "Month created");
  c.y_label = "%";
  docs::ChartSeries s{tr(l, "Plenamente adherentes", "Fully adherent"), {}};
  for (const AdherenceStats& p : report.by_period) {
    c.categories.push_back(p.key);
    s.values.push_back(p.requests == 0 ? std::numeric_limits<double>::quiet_NaN() : 100.0 * p.share_fully_adherent());
  }
  if (c.categories.empty()) {
    c.categories.push_back("—");
    s.values.push_back(std::numeric_limits<double>::quiet_NaN());
  }
  c.series.push_back(std::move(s));
  return chart_or_fallback(docs::bar_chart_svg(c));
}

std::string deployments_chart_svg(const AdherenceReport& report, Lang l) {
  docs::Chart c;
  c.id = "deployments";
  c.title = tr(l, "Despliegues por mes", "Deployments per month");
  c.x_label = tr(l, "Mes", "Month");
  docs::ChartSeries s{tr(l, "Despliegues", "Deployments"), {}};
  for (const auto& [month, n] : report.deployments_per_month) {
    c.categories.push_back(month);
    s.values.push_back(static_cast<double>(n));
  }
  if (c.categories.empty()) {
    c.categories.push_back("—");
    s.values.push_back(std::numeric_limits<double>::quiet_NaN());
  }
  c.series.push_back(std::move(s));
  return chart_or_fallback(docs::line_chart_svg(c));
}

}  // namespace pasaprod::reports
