// Each adherence control's edge cases, one small release at a time (evaluate_release).
#include <gtest/gtest.h>

#include <algorithm>

#include "reports/adherence.h"
#include "report_fixtures.h"

namespace pasaprod::reports {
namespace {

using testing::act;
using testing::at;
using testing::record;

Release base(const std::string& kind) {
  Release r = testing::release("PP-2026-0100", "SIAGIE", kind, "1.0", "2026-05-01T08:00:00Z");
  testing::add_kind_files(r);
  return r;
}

Outcome outcome(const Release& r, Control c, Timestamp as_of = 0) {
  AdherenceOptions o;
  o.as_of = as_of;
  return evaluate_release(testing::procedure(), r, nullptr, o).control(c).outcome;
}

// Approved maintenance with backup, ready to deploy at `deploy_iso`, window 10:00–12:00.
Release approved(bool with_window = true) {
  Release r = base("maintenance");
  act(r, "request_qa", "in_qa", "jquispe", "2026-05-01T09:00:00Z");
  act(r, "qa_accept", "qa_approved", "lcastro", "2026-05-01T10:00:00Z");
  act(r, "request_production", "submitted", "lcastro", "2026-05-01T11:00:00Z");
  testing::accept_all(r, "rtorres", "2026-05-02T08:00:00Z");
  if (with_window) record(r, "window", {{"from", "2026-05-05T10:00:00Z"}, {"to", "2026-05-05T12:00:00Z"}}, "fsalas", "2026-05-02T09:00:00Z");
  record(r, "security_conformity", {{"note", "ok"}}, "bleon", "2026-05-02T09:30:00Z");
  act(r, "validate", "validated", "rtorres", "2026-05-02T10:00:00Z");
  act(r, "prepare_report", "pending_approval", "rtorres", "2026-05-02T11:00:00Z");
  act(r, "pre_approve", "pre_approved", "mperez", "2026-05-03T09:00:00Z");
  act(r, "approve", "approved", "cgutierrez", "2026-05-03T10:00:00Z");
  record(r, "backup", {{"what", "bd"}, {"where", "nas"}, {"sha256", std::string(64, 'a')}}, "apaz", "2026-05-05T09:00:00Z");
  return r;
}

TEST(AdherenceControls, DeploymentWindow) {
  Release in = approved();
  act(in, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  EXPECT_EQ(outcome(in, Control::deploy_in_window), Outcome::met);
  Release after = approved();
  act(after, "deploy", "deployed", "rtorres", "2026-05-05T13:00:00Z");
  EXPECT_EQ(outcome(after, Control::deploy_in_window), Outcome::met_late);
  Release before = approved();
  act(before, "deploy", "deployed", "rtorres", "2026-05-05T09:30:00Z");
  EXPECT_EQ(outcome(before, Control::deploy_in_window), Outcome::missed);
  Release none = approved(false);
  act(none, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  EXPECT_EQ(outcome(none, Control::deploy_in_window), Outcome::missed);
  // A window recorded only after the deployment does not count.
  record(none, "window", {{"from", "2026-05-05T10:00:00Z"}, {"to", "2026-05-05T12:00:00Z"}}, "fsalas", "2026-05-05T11:30:00Z");
  EXPECT_EQ(outcome(none, Control::deploy_in_window), Outcome::missed);
  EXPECT_EQ(outcome(approved(), Control::deploy_in_window), Outcome::not_applicable);
}

TEST(AdherenceControls, VerificationIsDueWhenTheReleaseLeavesDeployed) {
  Release r = approved();
  act(r, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  EXPECT_EQ(outcome(r, Control::verification_recorded), Outcome::not_applicable);  // still deployed
  Release rolled = r;
  record(rolled, "rollback", {{"result", "ok"}, {"note", "restaurado"}}, "rtorres", "2026-05-05T11:20:00Z");
  act(rolled, "rollback", "rolled_back", "rtorres", "2026-05-05T11:30:00Z");
  EXPECT_EQ(outcome(rolled, Control::verification_recorded), Outcome::missed);
  EXPECT_EQ(outcome(rolled, Control::rollback_backout_plan), Outcome::met);
  act(r, "verify", "verified", "rtorres", "2026-05-05T11:30:00Z");
  record(r, "verification", {{"result", "ok"}, {"evidence", "ok"}}, "rtorres", "2026-05-05T12:00:00Z");
  EXPECT_EQ(outcome(r, Control::verification_recorded), Outcome::met_late);
}

TEST(AdherenceControls, RollbackNeedsBackOutPlanAndRecord) {
  Release r = approved();
  r.files.erase(std::remove_if(r.files.begin(), r.files.end(), [](const DeliverableFile& f) { return f.slot == "backout_plan"; }),
                r.files.end());
  act(r, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  act(r, "rollback", "rolled_back", "rtorres", "2026-05-05T11:30:00Z");
  EXPECT_EQ(outcome(r, Control::rollback_backout_plan), Outcome::missed);
  Release with_plan = approved();
  act(with_plan, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  act(with_plan, "rollback", "rolled_back", "rtorres", "2026-05-05T11:30:00Z");
  EXPECT_EQ(outcome(with_plan, Control::rollback_backout_plan), Outcome::missed);  // no rollback record
  record(with_plan, "rollback", {{"result", "ok"}, {"note", "tarde"}}, "rtorres", "2026-05-05T12:00:00Z");
  EXPECT_EQ(outcome(with_plan, Control::rollback_backout_plan), Outcome::met_late);
  EXPECT_EQ(outcome(with_plan, Control::acceptance_record), Outcome::not_applicable);
  EXPECT_EQ(outcome(with_plan, Control::baseline_before_close), Outcome::not_applicable);
}

TEST(AdherenceControls, ClosingControlsAreDueAtClosingOrAfterTheTerm) {
  Release r = base("project");
  act(r, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  act(r, "verify", "verified", "rtorres", "2026-05-05T12:00:00Z");
  const Timestamp soon = at("2026-05-20T00:00:00Z"), later = at("2026-06-10T00:00:00Z");
  EXPECT_EQ(outcome(r, Control::acceptance_record, soon), Outcome::not_applicable);
  EXPECT_EQ(outcome(r, Control::inventory, soon), Outcome::not_applicable);
  EXPECT_EQ(outcome(r, Control::acceptance_record, later), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::inventory, later), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::ip_registration, 0), Outcome::not_applicable);  // no as_of: never overdue

  record(r, "cosign", {{"role", "qa_lead"}, {"note", "ok"}}, "lcastro", "2026-05-06T09:00:00Z");
  record(r, "cosign", {{"role", "production_lead"}, {"note", "ok"}}, "fsalas", "2026-05-06T09:10:00Z");
  act(r, "accept", "closed", "jquispe", "2026-05-06T10:00:00Z");
  record(r, "baseline", {}, "rtorres", "2026-05-06T11:00:00Z");
  EXPECT_EQ(outcome(r, Control::acceptance_record), Outcome::met);
  EXPECT_EQ(outcome(r, Control::baseline_before_close), Outcome::met_late);
  EXPECT_EQ(outcome(r, Control::inventory), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::ip_registration), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::backup_before_deploy), Outcome::not_applicable);  // project

  Release uncosigned = base("maintenance");
  act(uncosigned, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  act(uncosigned, "verify", "verified", "rtorres", "2026-05-05T12:00:00Z");
  act(uncosigned, "accept", "closed", "jquispe", "2026-05-06T10:00:00Z");
  EXPECT_EQ(outcome(uncosigned, Control::acceptance_record), Outcome::missed);
}

TEST(AdherenceControls, EarlierSteps) {
  Release r = base("maintenance");
  act(r, "request_qa", "in_qa", "jquispe", "2026-05-01T09:00:00Z");
  act(r, "request_production", "submitted", "lcastro", "2026-05-01T11:00:00Z");
  EXPECT_EQ(outcome(r, Control::qa_conformity), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::deliverables_accepted), Outcome::not_applicable);
  r.reviews.push_back(Review{"user_manual", "observed", "incompleto", "rtorres", at("2026-05-01T12:00:00Z"), ""});
  testing::accept_all(r, "rtorres", "2026-05-01T12:00:00Z");
  r.reviews.erase(r.reviews.begin() + 2);  // user_manual's acceptance: only the observation remains
  act(r, "validate", "validated", "rtorres", "2026-05-01T13:00:00Z");
  EXPECT_EQ(outcome(r, Control::deliverables_accepted), Outcome::missed);
  r.reviews.push_back(Review{"user_manual", "accepted", "", "rtorres", at("2026-05-01T14:00:00Z"), ""});
  EXPECT_EQ(outcome(r, Control::deliverables_accepted), Outcome::met_late);
  act(r, "prepare_report", "pending_approval", "rtorres", "2026-05-01T15:00:00Z");
  EXPECT_EQ(outcome(r, Control::security_conformity), Outcome::missed);
  record(r, "security_conformity", {{"note", "ok"}}, "bleon", "2026-05-01T16:00:00Z");
  EXPECT_EQ(outcome(r, Control::security_conformity), Outcome::met_late);
  EXPECT_EQ(outcome(base("emergency"), Control::qa_conformity), Outcome::not_applicable);
}

TEST(AdherenceControls, DeployedWithoutApproval) {
  Release r = base("emergency");
  act(r, "deploy", "deployed", "rtorres", "2026-05-05T11:00:00Z");
  EXPECT_EQ(outcome(r, Control::approval_before_deploy), Outcome::missed);
  EXPECT_EQ(outcome(r, Control::backup_before_deploy), Outcome::missed);
  const ReleaseAdherence a = evaluate_release(testing::procedure(), r, nullptr, {});
  EXPECT_FALSE(a.fully_adherent);
  EXPECT_EQ(a.lead_time, at("2026-05-05T11:00:00Z") - at("2026-05-01T08:00:00Z"));
  EXPECT_EQ(a.approval_latency, -1);
}

}  // namespace
}  // namespace pasaprod::reports
