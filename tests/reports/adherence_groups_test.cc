// Every aggregate of the constructed history (adherence_history.cc) against answers worked out
// by hand: each figure of the total and of every period, system, unit and kind group, and
// every control tally of every group (summed from the per-release outcomes below, which
// adherence_test.cc checks one by one).
//
//   release  group keys                                   lead    latency  notes
//   R1       2026-01 SIAGIE DEBR maintenance              5 d     24 h     adherent
//   R2       2026-01 SIAGIE DEBR maintenance              5 d     30 h     no backup; 1 return
//   R3       2026-02 SIRE   OTIC project                  4 d     26 h     approved late; 1 return
//   R4       2026-02 SIRE   OTIC maintenance              10 d    24 h     no acceptance record
//   R5       2026-03 SIAGIE DEBR emergency                4.5 h   1 h      rolled back; adherent
//   R6       2026-03 PERUEDU DEBR maintenance             –       –        rejected; adherent
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "adherence_history.h"
#include "report_fixtures.h"
#include "reports/adherence.h"

namespace pasaprod::reports {
namespace {

constexpr double kHour = 3600000.0;
using O = Outcome;
const O met = O::met, late = O::met_late, miss = O::missed, na = O::not_applicable;

struct Known {
  const char* number;
  std::vector<const char*> groups;  // period, system, unit, kind
  std::vector<Outcome> controls;    // in Control order
};

std::vector<Known> known() {
  const char* debr = testing::kUnitDebr.c_str();
  const char* otic = testing::kUnitOtic.c_str();
  //                                                                        qa   deliv sec  appr  backup win  verif accept base rollb inv  ip
  return {{"PP-2026-0001", {"2026-01", "SIAGIE", debr, "maintenance"}, {met, met, met, met, met, met, met, met, met, na, na, na}},
          {"PP-2026-0002", {"2026-01", "SIAGIE", debr, "maintenance"}, {met, met, met, met, miss, met, met, met, met, na, na, na}},
          {"PP-2026-0003", {"2026-02", "SIRE", otic, "project"}, {met, met, met, late, na, met, met, met, met, na, met, met}},
          {"PP-2026-0004", {"2026-02", "SIRE", otic, "maintenance"}, {met, met, met, met, met, met, met, miss, met, na, na, na}},
          {"PP-2026-0005", {"2026-03", "SIAGIE", debr, "emergency"}, {na, met, met, met, met, met, met, na, na, met, na, na}},
          {"PP-2026-0006", {"2026-03", "PERUEDU", debr, "maintenance"}, {met, met, met, na, na, na, na, na, na, na, na, na}}};
}

// The hand-worked figures of one group. Durations in hours; -1 = no value (count 0).
struct Want {
  std::string key;
  std::int64_t requests, adherent, returns, rejections, deployed, rolled_back, emergencies;
  std::int64_t lead_n;
  double lead_median_h, lead_p90_h;
  std::int64_t latency_n;
  double latency_median_h, latency_p90_h;
  double deployments_per_month;
};

const AdherenceReport& report() {
  static const AdherenceReport r =
      compute_adherence(testing::procedure(), testing::adherence_history(), testing::adherence_systems(), testing::adherence_options());
  return r;
}

void expect_group(const AdherenceStats& s, const Want& w, int group_index) {
  SCOPED_TRACE("group \"" + w.key + "\"");
  EXPECT_EQ(s.key, w.key);
  EXPECT_EQ(s.requests, w.requests);
  EXPECT_EQ(s.fully_adherent, w.adherent);
  EXPECT_EQ(s.returns_to_qa, w.returns);
  EXPECT_EQ(s.rejections, w.rejections);
  EXPECT_EQ(s.deployed, w.deployed);
  EXPECT_EQ(s.rolled_back, w.rolled_back);
  EXPECT_EQ(s.emergencies, w.emergencies);
  EXPECT_DOUBLE_EQ(s.share_fully_adherent(), static_cast<double>(w.adherent) / static_cast<double>(w.requests));
  EXPECT_DOUBLE_EQ(s.change_failure_rate(), w.deployed ? static_cast<double>(w.rolled_back) / static_cast<double>(w.deployed) : 0.0);
  EXPECT_DOUBLE_EQ(s.share_emergencies(), static_cast<double>(w.emergencies) / static_cast<double>(w.requests));
  EXPECT_EQ(s.lead_time.count, w.lead_n);
  if (w.lead_n > 0) {
    EXPECT_NEAR(s.lead_time.median, w.lead_median_h * kHour, 1e-3);
    EXPECT_NEAR(s.lead_time.p90, w.lead_p90_h * kHour, 1e-3);
  }
  EXPECT_EQ(s.approval_latency.count, w.latency_n);
  if (w.latency_n > 0) {
    EXPECT_NEAR(s.approval_latency.median, w.latency_median_h * kHour, 1e-3);
    EXPECT_NEAR(s.approval_latency.p90, w.latency_p90_h * kHour, 1e-3);
  }
  EXPECT_NEAR(s.deployments_per_month, w.deployments_per_month, 1e-12);

  // Control tallies: the sum of the known outcomes of the group's members.
  std::array<ControlTally, kControlCount> want{};
  for (const Known& k : known()) {
    if (group_index >= 0 && w.key != k.groups[static_cast<std::size_t>(group_index)]) continue;
    for (std::size_t c = 0; c < kControlCount; ++c) {
      ControlTally& t = want[c];
      switch (k.controls[c]) {
        case O::met: ++t.met; break;
        case O::met_late: ++t.met_late; break;
        case O::missed: ++t.missed; break;
        case O::not_applicable: ++t.not_applicable; break;
      }
    }
  }
  for (std::size_t c = 0; c < kControlCount; ++c) {
    SCOPED_TRACE(control_code(static_cast<Control>(c)));
    EXPECT_EQ(s.controls[c].met, want[c].met);
    EXPECT_EQ(s.controls[c].met_late, want[c].met_late);
    EXPECT_EQ(s.controls[c].missed, want[c].missed);
    EXPECT_EQ(s.controls[c].not_applicable, want[c].not_applicable);
  }
}

void expect_groups(const std::vector<AdherenceStats>& got, const std::vector<Want>& want, int group_index) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) expect_group(got[i], want[i], group_index);
}

TEST(AdherenceGroups, EveryFigureOfTheTotal) {
  // Lead (d): 0.1875, 4, 5, 5, 10 → median 5, p90 8. Latency (h): 1, 24, 24, 26, 30 → 24, 28.4.
  expect_group(report().total, {"", 6, 3, 2, 1, 5, 1, 1, 5, 5 * 24, 8 * 24, 5, 24, 28.4, 5.0 / 3.0}, -1);
}

TEST(AdherenceGroups, EveryFigureOfEveryPeriod) {
  expect_groups(report().by_period,
                {{"2026-01", 2, 1, 1, 0, 2, 0, 0, 2, 5 * 24, 5 * 24, 2, 27, 29.4, 2},
                 {"2026-02", 2, 0, 1, 0, 2, 0, 0, 2, 7 * 24, 9.4 * 24, 2, 25, 25.8, 2},
                 {"2026-03", 2, 2, 0, 1, 1, 1, 1, 1, 4.5, 4.5, 1, 1, 1, 1}},
                0);
}

TEST(AdherenceGroups, EveryFigureOfEverySystem) {
  // SIAGIE lead (d): 0.1875, 5, 5 → median 5, p90 5; latency (h): 1, 24, 30 → 24, 28.8.
  expect_groups(report().by_system,
                {{"PERUEDU", 1, 1, 0, 1, 0, 0, 0, 0, -1, -1, 0, -1, -1, 0},
                 {"SIAGIE", 3, 2, 1, 0, 3, 1, 1, 3, 5 * 24, 5 * 24, 3, 24, 28.8, 1},
                 {"SIRE", 2, 0, 1, 0, 2, 0, 0, 2, 7 * 24, 9.4 * 24, 2, 25, 25.8, 2.0 / 3.0}},
                1);
}

TEST(AdherenceGroups, EveryFigureOfEveryUnit) {
  expect_groups(report().by_unit,
                {{testing::kUnitDebr, 4, 3, 1, 1, 3, 1, 1, 3, 5 * 24, 5 * 24, 3, 24, 28.8, 1},
                 {testing::kUnitOtic, 2, 0, 1, 0, 2, 0, 0, 2, 7 * 24, 9.4 * 24, 2, 25, 25.8, 2.0 / 3.0}},
                2);
}

TEST(AdherenceGroups, EveryFigureOfEveryKind) {
  // Maintenance lead (d): 5, 5, 10 → 5, 9; latency (h): 24, 24, 30 → 24, 28.8.
  expect_groups(report().by_kind,
                {{"emergency", 1, 1, 0, 0, 1, 1, 1, 1, 4.5, 4.5, 1, 1, 1, 1.0 / 3.0},
                 {"maintenance", 4, 2, 1, 1, 3, 0, 0, 3, 5 * 24, 9 * 24, 3, 24, 28.8, 1},
                 {"project", 1, 0, 1, 0, 1, 0, 0, 1, 4 * 24, 4 * 24, 1, 26, 26, 1.0 / 3.0}},
                3);
}

// The streamed form gives the same report whatever order the releases come in.
TEST(AdherenceGroups, BuilderInAnyOrderGivesTheSameFigures) {
  std::vector<Release> history = testing::adherence_history();
  std::reverse(history.begin(), history.end());
  const std::vector<System> systems = testing::adherence_systems();
  AdherenceBuilder b(testing::procedure(), systems, testing::adherence_options());
  int included = 0;
  for (const Release& r : history) included += b.add(r) ? 1 : 0;
  EXPECT_EQ(included, 6);  // R0 is outside the period
  const AdherenceReport r = std::move(b).finish();
  EXPECT_EQ(adherence_stats_csv(r, Lang::en), adherence_stats_csv(report(), Lang::en));
  EXPECT_EQ(r.deployments_per_month, report().deployments_per_month);
  EXPECT_EQ(r.span_months, 3);
}

}  // namespace
}  // namespace pasaprod::reports
