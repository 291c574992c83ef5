// PMO adherence (SPEC §7) on a constructed history whose answers were worked out by hand.
//
//   R1 PP-2026-0001 maintenance SIAGIE   Jan  fully adherent, closed
//   R2 PP-2026-0002 maintenance SIAGIE   Jan  deployed WITHOUT BACKUP; one return to QA
//   R3 PP-2026-0003 project     SIRE     Feb  APPROVED AFTER DEPLOYMENT; one qa_observe
//   R4 PP-2026-0004 maintenance SIRE     Feb  verified 20/02, NO ACCEPTANCE RECORD by 30/04
//   R5 PP-2026-0005 emergency   SIAGIE   Mar  ROLLED BACK (with plan and record): adherent
//   R6 PP-2026-0006 maintenance PERUEDU  Mar  rejected after the report: adherent
//   R0 PP-2025-0099 maintenance SIAGIE   Dec 2025: outside the period, left out
#include "reports/adherence.h"

#include <gtest/gtest.h>

#include "adherence_history.h"
#include "report_fixtures.h"

namespace pasaprod::reports {
namespace {

constexpr double kHour = 3600000.0;
constexpr double kDay = 24 * kHour;
using testing::kUnitDebr;
using testing::kUnitOtic;

const AdherenceReport& report() {
  static const AdherenceReport r = compute_adherence(testing::procedure(), testing::adherence_history(), testing::adherence_systems(), testing::adherence_options());
  return r;
}

const ReleaseAdherence& find(const std::string& number) {
  for (const auto& a : report().releases) {
    if (a.number == number) return a;
  }
  ADD_FAILURE() << "no " << number;
  static ReleaseAdherence none;
  return none;
}

using O = Outcome;
using C = Control;

void expect_controls(const std::string& number, const std::vector<Outcome>& expected) {
  const ReleaseAdherence& a = find(number);
  ASSERT_EQ(expected.size(), kControlCount);
  for (Control c : all_controls()) {
    const ControlResult& r = a.control(c);
    EXPECT_EQ(r.control, c);
    EXPECT_EQ(outcome_code(r.outcome), std::string(outcome_code(expected[static_cast<std::size_t>(c)])))
        << number << " " << control_code(c) << ": " << r.reason(Lang::en);
    EXPECT_FALSE(r.reason(Lang::es).empty());
    EXPECT_FALSE(r.reason(Lang::en).empty());
  }
}

const O met = O::met, late = O::met_late, miss = O::missed, na = O::not_applicable;

TEST(Adherence, EveryControlOfEveryRelease) {
  ASSERT_EQ(report().releases.size(), 6u);  // R0 is outside the period
  //                               qa   deliv sec  appr  backup win  verif accept base  rollb inv  ip
  expect_controls("PP-2026-0001", {met, met, met, met, met, met, met, met, met, na, na, na});
  expect_controls("PP-2026-0002", {met, met, met, met, miss, met, met, met, met, na, na, na});
  expect_controls("PP-2026-0003", {met, met, met, late, na, met, met, met, met, na, met, met});
  expect_controls("PP-2026-0004", {met, met, met, met, met, met, met, miss, met, na, na, na});
  expect_controls("PP-2026-0005", {na, met, met, met, met, met, met, na, na, met, na, na});
  expect_controls("PP-2026-0006", {met, met, met, na, na, na, na, na, na, na, na, na});
  EXPECT_TRUE(find("PP-2026-0001").fully_adherent);
  EXPECT_FALSE(find("PP-2026-0002").fully_adherent);
  EXPECT_FALSE(find("PP-2026-0003").fully_adherent);
  EXPECT_FALSE(find("PP-2026-0004").fully_adherent);
  EXPECT_TRUE(find("PP-2026-0005").fully_adherent);
  EXPECT_TRUE(find("PP-2026-0006").fully_adherent);
}

TEST(Adherence, ReasonsNameTheTimes) {
  EXPECT_EQ(find("PP-2026-0003").control(C::approval_before_deploy).reason(Lang::es),
            "Aprobado el 06/02/2026 16:00 UTC, después del despliegue del 06/02/2026 10:00 UTC.");
  EXPECT_EQ(find("PP-2026-0002").control(C::backup_before_deploy).reason(Lang::en),
            "Deployed on 17/01/2026 10:00 UTC without a baseline backup.");
  EXPECT_EQ(find("PP-2026-0004").control(C::acceptance_record).reason(Lang::es),
            "Verificado el 20/02/2026 11:30 UTC y sin acta de conformidad pasado el plazo.");
}

TEST(Adherence, PerReleaseMeasures) {
  EXPECT_EQ(find("PP-2026-0001").lead_time, static_cast<std::int64_t>(5 * kDay));
  EXPECT_EQ(find("PP-2026-0003").lead_time, static_cast<std::int64_t>(4 * kDay));  // from the FIRST request_qa
  EXPECT_EQ(find("PP-2026-0005").lead_time, static_cast<std::int64_t>(4.5 * kHour));  // from creation
  EXPECT_EQ(find("PP-2026-0006").lead_time, -1);
  EXPECT_EQ(find("PP-2026-0002").approval_latency, static_cast<std::int64_t>(30 * kHour));
  EXPECT_EQ(find("PP-2026-0005").approval_latency, static_cast<std::int64_t>(1 * kHour));
  EXPECT_EQ(find("PP-2026-0002").returns_to_qa, 1);
  EXPECT_EQ(find("PP-2026-0003").returns_to_qa, 1);
  EXPECT_TRUE(find("PP-2026-0006").rejected);
  EXPECT_TRUE(find("PP-2026-0005").rolled_back);
  EXPECT_EQ(find("PP-2026-0004").unit, kUnitOtic);
}

TEST(Adherence, Totals) {
  const AdherenceStats& t = report().total;
  EXPECT_EQ(report().span_months, 3);
  EXPECT_EQ(t.requests, 6);
  EXPECT_EQ(t.fully_adherent, 3);
  EXPECT_DOUBLE_EQ(t.share_fully_adherent(), 0.5);
  EXPECT_EQ(t.returns_to_qa, 2);
  EXPECT_EQ(t.rejections, 1);
  EXPECT_EQ(t.deployed, 5);
  EXPECT_EQ(t.rolled_back, 1);
  EXPECT_DOUBLE_EQ(t.change_failure_rate(), 0.2);
  EXPECT_EQ(t.emergencies, 1);
  EXPECT_DOUBLE_EQ(t.share_emergencies(), 1.0 / 6.0);
  // Lead times (d): 0.1875, 4, 5, 5, 10 → median 5, p90 = 5 + 0.6 × 5 = 8.
  EXPECT_EQ(t.lead_time.count, 5);
  EXPECT_DOUBLE_EQ(t.lead_time.median, 5 * kDay);
  EXPECT_DOUBLE_EQ(t.lead_time.p90, 8 * kDay);
  // Approval latencies (h): 1, 24, 24, 26, 30 → median 24, p90 = 26 + 0.6 × 4 = 28.4.
  EXPECT_EQ(t.approval_latency.count, 5);
  EXPECT_DOUBLE_EQ(t.approval_latency.median, 24 * kHour);
  EXPECT_NEAR(t.approval_latency.p90, 28.4 * kHour, 1e-3);
  EXPECT_DOUBLE_EQ(t.deployments_per_month, 5.0 / 3.0);
  auto tally = [&](Control c) { return t.controls[static_cast<std::size_t>(c)]; };
  EXPECT_EQ(tally(C::approval_before_deploy).met, 4);
  EXPECT_EQ(tally(C::approval_before_deploy).met_late, 1);
  EXPECT_EQ(tally(C::approval_before_deploy).not_applicable, 1);
  EXPECT_EQ(tally(C::backup_before_deploy).met, 3);
  EXPECT_EQ(tally(C::backup_before_deploy).missed, 1);
  EXPECT_EQ(tally(C::backup_before_deploy).not_applicable, 2);
  EXPECT_EQ(tally(C::acceptance_record).met, 3);
  EXPECT_EQ(tally(C::acceptance_record).missed, 1);
  EXPECT_EQ(tally(C::acceptance_record).not_applicable, 2);
  EXPECT_EQ(tally(C::qa_conformity).met, 5);
  EXPECT_EQ(tally(C::qa_conformity).not_applicable, 1);
}

TEST(Adherence, ByPeriod) {
  const auto& p = report().by_period;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].key, "2026-01");
  EXPECT_EQ(p[0].requests, 2);
  EXPECT_EQ(p[0].fully_adherent, 1);
  EXPECT_EQ(p[0].returns_to_qa, 1);
  EXPECT_EQ(p[0].deployed, 2);
  EXPECT_DOUBLE_EQ(p[0].lead_time.median, 5 * kDay);
  EXPECT_DOUBLE_EQ(p[0].lead_time.p90, 5 * kDay);
  EXPECT_DOUBLE_EQ(p[0].approval_latency.median, 27 * kHour);
  EXPECT_NEAR(p[0].approval_latency.p90, 29.4 * kHour, 1e-3);
  EXPECT_DOUBLE_EQ(p[0].deployments_per_month, 2);

  EXPECT_EQ(p[1].key, "2026-02");
  EXPECT_EQ(p[1].requests, 2);
  EXPECT_EQ(p[1].fully_adherent, 0);
  EXPECT_DOUBLE_EQ(p[1].share_fully_adherent(), 0.0);
  EXPECT_DOUBLE_EQ(p[1].lead_time.median, 7 * kDay);
  EXPECT_NEAR(p[1].lead_time.p90, 9.4 * kDay, 1e-3);
  EXPECT_DOUBLE_EQ(p[1].approval_latency.median, 25 * kHour);
  EXPECT_NEAR(p[1].approval_latency.p90, 25.8 * kHour, 1e-3);

  EXPECT_EQ(p[2].key, "2026-03");
  EXPECT_EQ(p[2].requests, 2);
  EXPECT_DOUBLE_EQ(p[2].share_fully_adherent(), 1.0);
  EXPECT_EQ(p[2].rejections, 1);
  EXPECT_DOUBLE_EQ(p[2].change_failure_rate(), 1.0);
  EXPECT_DOUBLE_EQ(p[2].share_emergencies(), 0.5);
  EXPECT_DOUBLE_EQ(p[2].lead_time.median, 4.5 * kHour);
  EXPECT_DOUBLE_EQ(p[2].lead_time.p90, 4.5 * kHour);
  EXPECT_DOUBLE_EQ(p[2].deployments_per_month, 1);

  const std::vector<std::pair<std::string, std::int64_t>> per_month = {{"2026-01", 2}, {"2026-02", 2}, {"2026-03", 1}};
  EXPECT_EQ(report().deployments_per_month, per_month);
}

TEST(Adherence, BySystemUnitAndKind) {
  const auto& s = report().by_system;
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].key, "PERUEDU");
  EXPECT_EQ(s[0].requests, 1);
  EXPECT_EQ(s[0].rejections, 1);
  EXPECT_EQ(s[1].key, "SIAGIE");
  EXPECT_EQ(s[1].requests, 3);
  EXPECT_EQ(s[1].fully_adherent, 2);
  EXPECT_DOUBLE_EQ(s[1].change_failure_rate(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(s[1].deployments_per_month, 1.0);
  EXPECT_EQ(s[2].key, "SIRE");
  EXPECT_EQ(s[2].fully_adherent, 0);
  EXPECT_DOUBLE_EQ(s[2].deployments_per_month, 2.0 / 3.0);

  const auto& u = report().by_unit;
  ASSERT_EQ(u.size(), 2u);
  EXPECT_EQ(u[0].key, kUnitDebr);
  EXPECT_EQ(u[0].requests, 4);
  EXPECT_EQ(u[0].fully_adherent, 3);
  EXPECT_DOUBLE_EQ(u[0].share_emergencies(), 0.25);
  EXPECT_EQ(u[1].key, kUnitOtic);
  EXPECT_EQ(u[1].requests, 2);
  EXPECT_EQ(u[1].returns_to_qa, 1);

  const auto& k = report().by_kind;
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[0].key, "emergency");
  EXPECT_EQ(k[0].requests, 1);
  EXPECT_DOUBLE_EQ(k[0].change_failure_rate(), 1.0);
  EXPECT_EQ(k[1].key, "maintenance");
  EXPECT_EQ(k[1].requests, 4);
  EXPECT_EQ(k[1].fully_adherent, 2);
  // Lead times (d) of R1, R2, R4: 5, 5, 10 → median 5, p90 = 5 + 0.8 × 5 = 9.
  EXPECT_DOUBLE_EQ(k[1].lead_time.median, 5 * kDay);
  EXPECT_DOUBLE_EQ(k[1].lead_time.p90, 9 * kDay);
  EXPECT_EQ(k[2].key, "project");
  EXPECT_EQ(k[2].requests, 1);
  EXPECT_EQ(k[2].controls[static_cast<std::size_t>(C::approval_before_deploy)].met_late, 1);
}

}  // namespace
}  // namespace pasaprod::reports
