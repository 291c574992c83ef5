// Control names, reasons and the aggregation of compute_adherence (adherence.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "core/time.h"
#include "reports/adherence.h"
#include "reports/adherence_facts.h"
#include "reports/document_text.h"

namespace pasaprod::reports {
namespace {

struct ControlInfo {
  const char* code;
  const char* es;
  const char* en;
};

constexpr ControlInfo kControls[kControlCount] = {
    {"qa_conformity", "Conformidad de Calidad antes de solicitar el pase", "QA conformity before the production request"},
    {"deliverables_accepted", "Entregables aceptados en la recepción", "Deliverables accepted at reception"},
    {"security_conformity", "Conformidad de seguridad antes del informe", "Security conformity before the report"},
    {"approval_before_deploy", "Aprobación antes del despliegue", "Approval before deployment"},
    {"backup_before_deploy", "Backup antes del despliegue", "Backup before deployment"},
    {"deploy_in_window", "Despliegue dentro de la ventana", "Deployment within the window"},
    {"verification_recorded", "Verificación de la operatividad registrada", "Operability verification recorded"},
    {"acceptance_record", "Acta de conformidad en producción", "Production acceptance record"},
    {"baseline_before_close", "Línea base almacenada antes del cierre", "Baseline stored before closing"},
    {"rollback_backout_plan", "Marcha atrás con plan y registro", "Rollback with back-out plan and record"},
    {"inventory", "Registro en el Inventario de Activos", "Inventory registration"},
    {"ip_registration", "Solicitud de registro a INDECOPI", "INDECOPI registration request"},
};

void replace_all(std::string& s, const std::string& what, const std::string& with) {
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
}

// Calendar month (UTC) of a time as year * 12 + month - 1 (Howard Hinnant's civil_from_days),
// without formatting: this runs once or twice per release.
std::int64_t month_index(Timestamp t) {
  std::int64_t z = (t >= 0 ? t / 86400000 : (t - 86399999) / 86400000) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  return y * 12 + m - 1;
}

// "2026-03" of a month index.
std::string month_key(std::int64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld", static_cast<long long>(index / 12), static_cast<long long>(index % 12 + 1));
  return buf;
}

// Linear-interpolated quantile of v (reorders v). REQUIRES: !v.empty(), 0 <= p <= 1.
double quantile(std::vector<std::int64_t>& v, double p) {
  const double h = static_cast<double>(v.size() - 1) * p;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(lo), v.end());
  const double a = static_cast<double>(v[lo]);
  if (lo + 1 >= v.size()) return a;
  const double b = static_cast<double>(*std::min_element(v.begin() + static_cast<std::ptrdiff_t>(lo) + 1, v.end()));
  return a + (h - static_cast<double>(lo)) * (b - a);
}

Distribution distribution(std::vector<std::int64_t>& v) {
  Distribution d;
  d.count = static_cast<std::int64_t>(v.size());
  if (v.empty()) return d;
  d.median = quantile(v, 0.5);
  d.p90 = quantile(v, 0.9);
  return d;
}

struct Group {
  AdherenceStats stats;
  std::vector<std::int64_t> lead, latency;

  void add(const ReleaseAdherence& a) {
    AdherenceStats& s = stats;
    ++s.requests;
    if (a.fully_adherent) ++s.fully_adherent;
    s.returns_to_qa += a.returns_to_qa;
    if (a.rejected) ++s.rejections;
    if (a.deployed_at != 0) ++s.deployed;
    if (a.rolled_back) ++s.rolled_back;
    if (a.emergency) ++s.emergencies;
    if (a.lead_time >= 0) lead.push_back(a.lead_time);
    if (a.approval_latency >= 0) latency.push_back(a.approval_latency);
    for (std::size_t i = 0; i < kControlCount; ++i) {
      ControlTally& t = s.controls[i];
      switch (a.controls[i].outcome) {
        case Outcome::met: ++t.met; break;
        case Outcome::met_late: ++t.met_late; break;
        case Outcome::missed: ++t.missed; break;
        case Outcome::not_applicable: ++t.not_applicable; break;
      }
    }
  }

  AdherenceStats finish(const std::string& key, std::int64_t span_months) {
    stats.key = key;
    stats.lead_time = distribution(lead);
    stats.approval_latency = distribution(latency);
    stats.deployments_per_month =
        span_months > 0 ? static_cast<double>(stats.deployed) / static_cast<double>(span_months) : 0.0;
    return std::move(stats);
  }
};

std::vector<AdherenceStats> finish_all(std::map<std::string, Group>& groups, std::int64_t span_months) {
  std::vector<AdherenceStats> out;
  out.reserve(groups.size());
  for (auto& [key, g] : groups) out.push_back(g.finish(key, span_months));
  return out;
}

double ratio(std::int64_t a, std::int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

}  // namespace

const char* outcome_code(Outcome o) {
  switch (o) {
    case Outcome::met: return "met";
    case Outcome::met_late: return "met_late";
    case Outcome::missed: return "missed";
    case Outcome::not_applicable: return "not_applicable";
  }
  return "";
}

std::string outcome_name(Outcome o, Lang lang) {
  switch (o) {
    case Outcome::met: return text::tr(lang, "Cumple", "Met");
    case Outcome::met_late: return text::tr(lang, "Cumple tarde", "Met late");
    case Outcome::missed: return text::tr(lang, "No cumple", "Missed");
    case Outcome::not_applicable: return text::tr(lang, "No aplica", "N/A");
  }
  return "";
}

const std::array<Control, kControlCount>& all_controls() {
  static const std::array<Control, kControlCount> all = [] {
    std::array<Control, kControlCount> a{};
    for (std::size_t i = 0; i < kControlCount; ++i) a[i] = static_cast<Control>(i);
    return a;
  }();
  return all;
}

const char* control_code(Control c) { return kControls[static_cast<std::size_t>(c)].code; }

std::string control_name(Control c, Lang lang) {
  const ControlInfo& i = kControls[static_cast<std::size_t>(c)];
  return lang == Lang::en ? i.en : i.es;
}

std::string ControlResult::reason(Lang lang, const TimeZone* zone) const {
  std::string s = lang == Lang::en ? why_en : why_es;
  auto when = [&](Timestamp t) {
    return zone && t != 0 ? format_local(t, *zone, lang) + " (" + zone->name() + ")" : text::datetime(t);
  };
  replace_all(s, "{due}", when(due));
  replace_all(s, "{done}", when(done));
  return s;
}

double AdherenceStats::share_fully_adherent() const { return ratio(fully_adherent, requests); }
double AdherenceStats::change_failure_rate() const { return ratio(rolled_back, deployed); }
double AdherenceStats::share_emergencies() const { return ratio(emergencies, requests); }

struct AdherenceBuilder::State {
  const Procedure& proc;
  AdherenceReport report;
  std::unordered_map<std::string, const System*> by_code;
  Group total;
  std::map<std::int64_t, Group> periods;  // by month index
  std::map<std::string, Group> by_system, by_unit, by_kind;
  std::map<std::int64_t, std::int64_t> deploy_months;
  std::int64_t min_month = 0, max_month = 0;
  bool any = false;

  void see_month(std::int64_t m) {
    min_month = any ? std::min(min_month, m) : m;
    max_month = any ? std::max(max_month, m) : m;
    any = true;
  }
};

AdherenceBuilder::AdherenceBuilder(const Procedure& proc, const std::vector<System>& systems, const AdherenceOptions& options)
    : state_(new State{proc, {}, {}, {}, {}, {}, {}, {}, {}, 0, 0, false}) {
  state_->report.options = options;
  state_->by_code.reserve(systems.size());
  for (const System& s : systems) state_->by_code.emplace(s.code, &s);
}

AdherenceBuilder::~AdherenceBuilder() = default;

bool AdherenceBuilder::add(const Release& r) {
  const AdherenceOptions& options = state_->report.options;
  if (options.from != 0 && r.created_at < options.from) return false;
  if (options.to != 0 && r.created_at >= options.to) return false;
  return add(r, gather_adherence_facts(state_->proc, r));
}

bool AdherenceBuilder::add(const Release& r, const AdherenceFacts& facts) {
  State& st = *state_;
  const AdherenceOptions& options = st.report.options;
  if (options.from != 0 && r.created_at < options.from) return false;
  if (options.to != 0 && r.created_at >= options.to) return false;
  auto sys = st.by_code.find(r.system);
  ReleaseAdherence a = evaluate_adherence_facts(st.proc, r, facts, sys == st.by_code.end() ? nullptr : sys->second, options);
  const std::int64_t created = month_index(a.created_at);
  st.total.add(a);
  st.periods[created].add(a);
  st.by_system[a.system].add(a);
  st.by_unit[a.unit].add(a);
  st.by_kind[a.kind].add(a);
  st.see_month(created);
  if (a.deployed_at != 0) {
    const std::int64_t deployed = month_index(a.deployed_at);
    ++st.deploy_months[deployed];
    st.see_month(deployed);
  }
  st.report.releases.push_back(std::move(a));
  return true;
}

AdherenceReport AdherenceBuilder::finish() && {
  State& st = *state_;
  AdherenceReport& report = st.report;
  const AdherenceOptions& options = report.options;
  // The span: the bounds given, else the data's first / last month.
  if (options.from != 0) st.min_month = month_index(options.from);
  if (options.to != 0) st.max_month = month_index(options.to - 1);
  report.span_months =
      (st.any || (options.from != 0 && options.to != 0)) ? std::max<std::int64_t>(0, st.max_month - st.min_month + 1) : 0;

  for (const auto& [month, n] : st.deploy_months) {
    report.deployments_per_month.emplace_back(month_key(month), n);
    st.periods[month];  // a month with deployments but no requests still gets a row
  }
  report.total = st.total.finish("", report.span_months);
  report.by_period.reserve(st.periods.size());
  for (auto& [month, g] : st.periods) {
    AdherenceStats p = g.finish(month_key(month), 1);
    auto it = st.deploy_months.find(month);
    p.deployments_per_month = it == st.deploy_months.end() ? 0.0 : static_cast<double>(it->second);
    report.by_period.push_back(std::move(p));
  }
  report.by_system = finish_all(st.by_system, report.span_months);
  report.by_unit = finish_all(st.by_unit, report.span_months);
  report.by_kind = finish_all(st.by_kind, report.span_months);
  return std::move(report);
}

AdherenceReport compute_adherence(const Procedure& proc, const std::vector<Release>& releases,
                                  const std::vector<System>& systems, const AdherenceOptions& options) {
  AdherenceBuilder builder(proc, systems, options);
  for (const Release& r : releases) builder.add(r);
  return std::move(builder).finish();
}

}  // namespace pasaprod::reports
