// PMO adherence and release metrics (SPEC §7).
//
// For each release, every control of the procedure is evaluated from its recorded history
// (transitions and records with their times) as met, met late, missed or not applicable, with
// a reason in Spanish and English. Releases are then aggregated per period, system, unit and
// kind, with the metrics the PMO reports: requests, share fully adherent, returns to QA,
// rejections, change failure rate, share of emergencies, lead time and approval latency
// (median and p90), deployments per month.
//
//   reports::AdherenceOptions o;
//   o.from = *parse_iso("2026-01-01"); o.to = *parse_iso("2026-07-01"); o.as_of = clock.now();
//   reports::AdherenceReport r = reports::compute_adherence(proc, releases, systems, o);
//   std::string csv = reports::adherence_csv(r, Lang::es);
//
// Pure: no I/O, no clock (`as_of` comes in). Linear in the number of releases (and in the
// number of events on each); quantiles use selection (nth_element), never a sort.
//
// Period: a release belongs to the calendar month (UTC) in which it was CREATED. So every
// request is counted exactly once, in the month it was asked for, whether or not it was ever
// deployed, and a month's figures only change while its requests are still in progress.
// "Deployments per month" is the exception: it counts deployments in the month they happened.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/model.h"
#include "core/procedure.h"
#include "docs/pdf_document.h"
#include "reports/release_documents.h"

namespace pasaprod::reports {

enum class Outcome { met, met_late, missed, not_applicable };

struct AdherenceFacts;  // adherence_facts.h

// "met" | "met_late" | "missed" | "not_applicable".
const char* outcome_code(Outcome outcome);
// "Cumple" / "Met", "Cumple tarde" / "Met late", "No cumple" / "Missed", "No aplica" / "N/A".
std::string outcome_name(Outcome outcome, Lang lang);

// The controls, in report order. Each is due at some step of the release's history:
//   qa_conformity          qa_accept at or before the first request_production (kinds with a
//                          qa_accept action; edition 02: project, maintenance).
//   deliverables_accepted  every required uploaded slot's latest review at or before the last
//                          validate is "accepted" (late: accepted only afterwards).
//   security_conformity    a security_conformity record at or before the last prepare_report.
//   approval_before_deploy approve / committee_approve at or before deploy (late: after it).
//   backup_before_deploy   a backup record at or before deploy (kinds whose deploy is guarded by
//                          backup_recorded; edition 02: maintenance, emergency).
//   deploy_in_window       deploy inside the latest window recorded before it (late: after the
//                          window closed; missed: before it opened, or no window).
//   verification_recorded  a verification record by the time the release left `deployed`
//                          (verify or rollback); not applicable while still deployed without one.
//   acceptance_record      accept, with both co-signatures (qa_lead, production_lead) at or
//                          before it (kinds with an accept action; edition 02: project,
//                          maintenance).
//   baseline_before_close  a baseline record at or before closing (accept / close).
//   rollback_backout_plan  on rollback: a rollback record at or before it and, for kinds whose
//                          slots include the backout_plan slot (maintenance, emergency), files in it.
//   inventory              an inventory record at or before closing (kinds the inventory record
//                          type applies to; edition 02: project).
//   ip_registration        an ip_registration record at or before closing (likewise).
// Applicability is derived from the procedure (core/derived.h), never from a kind's code.
// The closing controls (acceptance_record, baseline_before_close, inventory, ip_registration)
// apply once the release is verified and not rolled back; before it is closed they are missed
// only when it was verified more than AdherenceOptions::closing_due_days before `as_of`.
// Controls whose step has not been reached are not applicable.
enum class Control {
  qa_conformity,
  deliverables_accepted,
  security_conformity,
  approval_before_deploy,
  backup_before_deploy,
  deploy_in_window,
  verification_recorded,
  acceptance_record,
  baseline_before_close,
  rollback_backout_plan,
  inventory,
  ip_registration,
};
inline constexpr std::size_t kControlCount = 12;
// Every control, in order (index = static_cast<size_t>(control)).
const std::array<Control, kControlCount>& all_controls();
const char* control_code(Control control);
std::string control_name(Control control, Lang lang);

struct ControlResult {
  Control control = Control::qa_conformity;
  Outcome outcome = Outcome::not_applicable;
  // Static templates; "{due}" and "{done}" stand for the two times below.
  const char* why_es = "";
  const char* why_en = "";
  Timestamp due = 0;   // when the control was due (e.g. the deploy), 0 = not known
  Timestamp done = 0;  // when it was satisfied (e.g. the approval), 0 = never
  // The reason, with the times filled in as "dd/mm/yyyy HH:MM (America/Lima)" in `zone`, or
  // "dd/mm/yyyy HH:MM UTC" without one.
  std::string reason(Lang lang, const TimeZone* zone = nullptr) const;
};

struct ReleaseAdherence {
  std::string number;
  std::string system;
  std::string unit;  // the system's unit, "" when the system is unknown
  std::string kind;
  std::string state;
  Timestamp created_at = 0;
  Timestamp deployed_at = 0;  // the deploy action, 0 = never deployed
  std::array<ControlResult, kControlCount> controls{};  // indexed by Control
  bool fully_adherent = true;  // no control missed or met late
  int returns_to_qa = 0;       // return_to_qa and qa_observe actions
  bool emergency = false;      // its kind is an emergency (core/derived.h is_emergency)
  bool rejected = false;       // a reject action, or its state is where one leads
  bool rolled_back = false;    // a rollback action, or its state is where one leads
  // Milliseconds; -1 when not measurable. Lead time: first request_qa (or creation when there
  // is none, e.g. emergencies) to deploy. Approval latency: the latest prepare_report before
  // the approval (approve / committee_approve) to the approval.
  std::int64_t lead_time = -1;
  std::int64_t approval_latency = -1;

  const ControlResult& control(Control c) const { return controls[static_cast<std::size_t>(c)]; }
};

// Median and 90th percentile of durations in milliseconds, linear interpolation between
// closest ranks (numpy's default, "type 7"): the median of {1, 2, 3, 4} is 2.5. Meaningful only
// when count > 0.
struct Distribution {
  std::int64_t count = 0;
  double median = 0;
  double p90 = 0;
};

struct ControlTally {
  std::int64_t met = 0, met_late = 0, missed = 0, not_applicable = 0;
};

// The figures of one group of releases (one period, system, unit or kind, or all of them).
struct AdherenceStats {
  std::string key;  // "2026-03", a system code, a unit, a kind; "" for the total
  std::int64_t requests = 0;
  std::int64_t fully_adherent = 0;
  std::int64_t returns_to_qa = 0;  // actions, not releases
  std::int64_t rejections = 0;     // releases rejected
  std::int64_t deployed = 0;       // releases deployed (at any time)
  std::int64_t rolled_back = 0;    // releases rolled back
  std::int64_t emergencies = 0;
  Distribution lead_time;
  Distribution approval_latency;
  // Period groups: deployments that happened in that month. Other groups and the total: the
  // group's deployed releases divided by the report's span in months.
  double deployments_per_month = 0;
  std::array<ControlTally, kControlCount> controls{};

  // Ratios; 0 when the denominator is 0.
  double share_fully_adherent() const;  // fully_adherent / requests
  double change_failure_rate() const;   // rolled_back / deployed
  double share_emergencies() const;     // emergencies / requests
};

struct AdherenceOptions {
  Timestamp from = 0;  // include releases created at or after (0 = no lower bound)
  Timestamp to = 0;    // ... and strictly before (0 = no upper bound)
  Timestamp as_of = 0;  // time of the report; 0 = closing controls are never overdue
  std::int64_t closing_due_days = 30;  // a verified release must be closed within this
  // The office's time zone: reasons and the CSV's local columns use it (null: UTC only).
  std::shared_ptr<const TimeZone> zone;
};

struct AdherenceReport {
  AdherenceOptions options;
  std::int64_t span_months = 0;  // calendar months covered (from/to, else the data's range)
  std::vector<ReleaseAdherence> releases;  // the included releases, in input order
  AdherenceStats total;
  std::vector<AdherenceStats> by_period;  // months with requests or deployments, ascending
  std::vector<AdherenceStats> by_system;  // ascending by key
  std::vector<AdherenceStats> by_unit;
  std::vector<AdherenceStats> by_kind;
  // Month ("2026-03") → deployments that happened in it, ascending.
  std::vector<std::pair<std::string, std::int64_t>> deployments_per_month;
};

// One release's controls. `system` may be nullptr (unit then "").
ReleaseAdherence evaluate_release(const Procedure& proc, const Release& release, const System* system,
                                  const AdherenceOptions& options);

// Evaluates and aggregates the releases created in [options.from, options.to).
AdherenceReport compute_adherence(const Procedure& proc, const std::vector<Release>& releases,
                                  const std::vector<System>& systems, const AdherenceOptions& options);

// compute_adherence one release at a time, for releases streamed from a store: memory holds
// one ReleaseAdherence per included release, never the releases themselves.
//
//   AdherenceBuilder b(proc, systems, options);
//   store_cursor.for_each([&](const Release& r) { b.add(r); });
//   AdherenceReport report = std::move(b).finish();
//
// Adding the same releases in the same order gives exactly compute_adherence's report.
// `proc` and `systems` must outlive the builder. Not thread-safe.
class AdherenceBuilder {
 public:
  AdherenceBuilder(const Procedure& proc, const std::vector<System>& systems, const AdherenceOptions& options);
  ~AdherenceBuilder();
  AdherenceBuilder(const AdherenceBuilder&) = delete;
  AdherenceBuilder& operator=(const AdherenceBuilder&) = delete;

  // Evaluates and tallies `release` when it was created in [options.from, options.to);
  // returns whether it was included.
  bool add(const Release& release);
  // The same from the facts of its history (adherence_facts.h): add(r) ==
  // add(r, gather_adherence_facts(proc, r)). Reads only the release's own fields.
  bool add(const Release& release, const AdherenceFacts& facts);
  // The report. REQUIRES: called once; the builder is spent afterwards.
  AdherenceReport finish() &&;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// --- Exports (adherence_export.cc). ---

// One row per release, RFC 4180 (CRLF line ends; fields with a comma, quote or line break
// quoted, quotes doubled). Columns: number, system, unit, kind, state, created, deployed,
// fully adherent, one per control (outcome name), and the reasons of the missed / late ones.
// Headers and outcome names in `lang`; times ISO 8601 UTC.
std::string adherence_csv(const AdherenceReport& report, Lang lang);

// One row per group (total, then periods, systems, units, kinds) with every metric; durations
// in days with two decimals, shares as fractions. RFC 4180 as adherence_csv.
std::string adherence_stats_csv(const AdherenceReport& report, Lang lang);

// The whole report: options, controls (code and name), total and groups (metrics, durations in
// milliseconds, per-control tallies), deployments per month and each release's controls
// (outcome code and reason in `lang`).
nlohmann::json adherence_json(const AdherenceReport& report, Lang lang);

// The monthly report as a PDF document: summary, per-period / system / unit / kind tables,
// control tallies and the non-adherent releases (at most `max_release_rows`, then a count of
// the rest). Verification code over adherence_payload(report, ctx.issued_at).
docs::PdfDocument adherence_pdf_document(const AdherenceReport& report, const DocumentContext& ctx,
                                         std::size_t max_release_rows = 300);

// "pasaprod-document-v1|adherence_report|<from>|<to>|<issued_at>" (ISO 8601; "" when unbounded).
std::string adherence_payload(const AdherenceReport& report, Timestamp issued_at);

// Bar chart (SVG) of the share of fully adherent requests per period, in percent. A report
// with no periods gives a chart with one empty category. Never empty.
std::string adherence_chart_svg(const AdherenceReport& report, Lang lang);

// Line chart (SVG) of deployments per month. Never empty.
std::string deployments_chart_svg(const AdherenceReport& report, Lang lang);

}  // namespace pasaprod::reports
