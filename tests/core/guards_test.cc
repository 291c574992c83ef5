// Every guard of guards.cc all_guards(), both ways: it passes when satisfied and refuses with
// its error id (failed_precondition) when not. Mostly through the actions of the built-in
// procedure that use it; check_guard directly where a situation cannot be reached by actions.
#include <gtest/gtest.h>

#include <set>

#include "core_test_util.h"
#include "util/sha256.h"
#include "util/zoneinfo.h"

namespace pasaprod::test {
namespace {

std::optional<Error> check(const Flow& f, const std::string& name, const std::string& arg = "", const std::string& note = "") {
  GuardRef g;
  g.name = name;
  g.arg = arg;
  return check_guard(g, f.sit(), ActionInput{"", note, {}});
}

TEST(Guards, EveryGuardOfAllGuardsIsCoveredHere) {
  // Adding a guard to guards.cc without adding its tests here fails this test.
  const std::set<std::string> covered = {
      "note", "slot_filled", "required_slots_filled", "required_slots_accepted", "checklist_complete", "fresh",
      "committee_quorum_approve", "committee_quorum_reject", "approval_fresh", "backup_recorded", "outside_freeze",
      "within_window", "deployment_recorded", "deployed_matches_approval", "verification_ok", "rollback_recorded",
      "record", "cosigned"};
  std::set<std::string> all;
  for (const auto& g : all_guards()) all.insert(g.name);
  EXPECT_EQ(all, covered);
}

TEST(Guards, FindGuardKnowsArgumentKinds) {
  ASSERT_NE(find_guard("slot_filled"), nullptr);
  EXPECT_EQ(find_guard("slot_filled")->arg, GuardArg::slot);
  EXPECT_EQ(find_guard("record")->arg, GuardArg::record);
  EXPECT_EQ(find_guard("fresh")->arg, GuardArg::signoff);
  EXPECT_EQ(find_guard("note")->arg, GuardArg::none);
  EXPECT_EQ(find_guard("nope"), nullptr);
}

TEST(Guards, UnknownGuardAtRuntimeRefuses) {
  Flow f("project");
  EXPECT_TRUE(Refused(check(f, "made_up"), Code::failed_precondition, "guard.unknown"));
}

TEST(Guards, GuardLimitedToOtherKindsPasses) {
  Flow f("project");
  GuardRef g{"backup_recorded", "", {"maintenance", "emergency"}, "", 0};
  EXPECT_TRUE(Passes(check_guard(g, f.sit(), {})));
  g.kinds = {"project"};
  EXPECT_TRUE(Refused(check_guard(g, f.sit(), {}), Code::failed_precondition, "guard.backup_missing"));
}

// --- note ------------------------------------------------------------------------------------------

TEST(GuardNote, PassesWithTextRefusesBlank) {
  Flow f("project");
  EXPECT_TRUE(Passes(check(f, "note", "", "why")));
  EXPECT_TRUE(Refused(check(f, "note", "", " \t"), Code::failed_precondition, "guard.note_required"));
}

// --- slot_filled ----------------------------------------------------------------------------------

TEST(GuardSlotFilled, QaAcceptNeedsTheQaAcceptanceRecord) {
  Flow f("maintenance");
  f.clear_slot("qa_acceptance");
  ASSERT_TRUE(f.advance_to("in_qa"));
  auto r = f.try_act(f.who.qa, "qa_accept");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.slot_empty"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "qa_acceptance"));
  EXPECT_NE(r.error().es.find("Acta de conformidad de Calidad"), std::string::npos) << r.error().es;
  ASSERT_TRUE(f.upload("qa_acceptance", "acta.pdf", "signed"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.qa, "qa_accept")));
}

TEST(GuardSlotFilled, RollbackNeedsBackoutPlanForMaintenanceAndEmergency) {
  for (const char* kind : {"maintenance", "emergency"}) {
    SCOPED_TRACE(kind);
    Flow f(kind);
    ASSERT_TRUE(f.advance_to("deployed"));
    ASSERT_TRUE(f.record(f.who.op, "rollback", {{"result", "restored"}, {"note", "restored the backup"}}));
    EXPECT_TRUE(Allowed(f.try_act(f.who.op, "rollback")));
    f.clear_slot("backout_plan");
    auto r = f.try_act(f.who.op, "rollback");
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.slot_empty"));
    EXPECT_TRUE(has_detail(r.error(), "missing", "backout_plan"));
  }
}

TEST(GuardSlotFilled, ProjectRollbackNeedsNoBackoutPlan) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("deployed"));
  ASSERT_TRUE(f.record(f.who.op, "rollback", {{"result", "uninstalled"}, {"note", "removed the new system"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "rollback")));
}

// --- required_slots_filled -------------------------------------------------------------------------

TEST(GuardRequiredSlotsFilled, RequestProductionNeedsEveryRequiredSlot) {
  Flow f("project");
  f.clear_slot("training_record");
  f.clear_slot("installers");
  ASSERT_TRUE(f.advance_to("qa_approved"));
  auto r = f.try_act(f.who.qa, "request_production");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_missing"));
  EXPECT_EQ(details(r.error(), "missing"), (std::vector<std::string>{"training_record", "installers"}));
  EXPECT_NE(r.error().en.find("Training record"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().en.find("Installers"), std::string::npos) << r.error().en;
}

TEST(GuardRequiredSlotsFilled, EmergencyNeedsItsSlotsButNotTheGeneratedRecord) {
  Flow f("emergency");
  EXPECT_TRUE(f.rel.files_in("emergency_committee_record").empty());
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "request_committee")));
  f.clear_slot("technical_report");
  auto r = f.try_act(f.who.prod, "request_committee");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_missing"));
  EXPECT_EQ(details(r.error(), "missing"), std::vector<std::string>{"technical_report"});
}

TEST(GuardRequiredSlotsFilled, ResubmitNeedsThemToo) {
  Flow f("emergency");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "the back-out plan is for another system"));
  auto st = plan_remove(f.sit(), f.who.pl, "backout_plan", "backout_plan.pdf");
  ASSERT_TRUE(Allowed(st));
  f.clear_slot("backout_plan");
  EXPECT_TRUE(Refused(f.try_act(f.who.qa, "resubmit"), Code::failed_precondition, "guard.deliverables_missing"));
  ASSERT_TRUE(f.upload("backout_plan", "plan.pdf", "right plan"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.qa, "resubmit")));
}

// --- required_slots_accepted -----------------------------------------------------------------------

TEST(GuardRequiredSlotsAccepted, ValidateNeedsEverySlotReviewed) {
  Flow f("maintenance");
  f.skip = {"reviews"};
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_act(f.who.op, "validate");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_not_accepted"));
  EXPECT_EQ(details(r.error(), "missing").size(), 9u);
  EXPECT_NE(r.error().en.find("(not reviewed)"), std::string::npos) << r.error().en;
  ASSERT_TRUE(f.review_all());
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "validate")));
}

TEST(GuardRequiredSlotsAccepted, ObservedSlotIsRefused) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.review_all());
  ASSERT_TRUE(f.review("backout_plan", "observed", "does not say how to restore the database"));
  auto r = f.try_act(f.who.op, "validate");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_not_accepted"));
  EXPECT_EQ(details(r.error(), "missing"), std::vector<std::string>{"backout_plan"});
  EXPECT_NE(r.error().en.find("(observed)"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("(observado)"), std::string::npos) << r.error().es;
  // The latest review counts: accepting it afterwards clears the refusal.
  ASSERT_TRUE(f.review("backout_plan", "accepted"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "validate")));
}

TEST(GuardRequiredSlotsAccepted, ReviewOfReplacedContentNoLongerCounts) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.review_all());
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "manual outdated"));
  ASSERT_TRUE(f.upload("user_manual", "user_manual.pdf", "updated manual"));
  ASSERT_TRUE(f.act(f.who.qa, "reopen_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_accept"));
  ASSERT_TRUE(f.act(f.who.qa, "request_production"));
  auto r = f.try_act(f.who.op, "validate");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_not_accepted"));
  EXPECT_EQ(details(r.error(), "missing"), std::vector<std::string>{"user_manual"});
}

TEST(GuardRequiredSlotsAccepted, EmptySlotIsReportedAsEmpty) {
  // Reachable only through inconsistent data (request_production checks filled slots); the
  // guard must still refuse.
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.review_all());
  f.clear_slot("installers");
  auto r = check(f, "required_slots_accepted");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deliverables_not_accepted"));
  EXPECT_NE(r->en.find("Installers (empty)"), std::string::npos) << r->en;
}

// --- checklist_complete ----------------------------------------------------------------------------

TEST(GuardChecklistComplete, PrepareReportPassesWithTheFullChecklist) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("validated"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "prepare_report")));
}

TEST(GuardChecklistComplete, EachMissingItemIsNamed) {
  for (const char* item : {"window", "infra_readiness", "security_conformity", "dba_conformity"}) {
    SCOPED_TRACE(item);
    Flow f("project");
    f.skip = {item};
    ASSERT_TRUE(f.advance_to("validated"));
    auto r = f.try_act(f.who.op, "prepare_report");
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.checklist_incomplete"));
    EXPECT_EQ(details(r.error(), "missing"), std::vector<std::string>{item});
    EXPECT_NE(r.error().en.find(builtin().record_name(item, Lang::en)), std::string::npos) << r.error().en;
  }
}

TEST(GuardChecklistComplete, NamesEverythingMissingAtOnce) {
  Flow f("emergency");
  f.skip = {"window", "infra_readiness", "security_conformity", "dba_conformity"};
  ASSERT_TRUE(f.advance_to("validated"));
  auto r = f.try_act(f.who.op, "prepare_report");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.checklist_incomplete"));
  EXPECT_EQ(details(r.error(), "missing"),
            (std::vector<std::string>{"window", "infra_readiness", "security_conformity", "dba_conformity"}));
}

TEST(GuardChecklistComplete, StaleSecurityConformityDoesNotCount) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("validated"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "replace the executables"));
  ASSERT_TRUE(f.upload("executables", "executables.pdf", "rebuilt"));
  ASSERT_TRUE(f.act(f.who.qa, "reopen_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_accept"));
  ASSERT_TRUE(f.act(f.who.qa, "request_production"));
  ASSERT_TRUE(f.review("executables", "accepted"));
  ASSERT_TRUE(f.act(f.who.op, "validate"));
  auto r = f.try_act(f.who.op, "prepare_report");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.checklist_incomplete"));
  // The window is not a sign-off; the three conformities are, and went stale.
  EXPECT_EQ(details(r.error(), "missing"),
            (std::vector<std::string>{"infra_readiness", "security_conformity", "dba_conformity"}));
  EXPECT_NE(r.error().en.find("(stale)"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("(desactualizado)"), std::string::npos) << r.error().es;
  ASSERT_TRUE(f.record(f.who.infra, "infra_readiness", {{"note", "ok"}}));
  ASSERT_TRUE(f.record(f.who.sec, "security_conformity", {{"note", "ok"}}));
  ASSERT_TRUE(f.record(f.who.dba, "dba_conformity", {{"note", "ok"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "prepare_report")));
}

TEST(GuardChecklistComplete, UnacceptedDeliverablesAreNamed) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("validated"));
  // A review recorded after validation (inconsistent data) makes the checklist incomplete.
  Review rv{"source_code", "observed", "wrong tag", "op", f.now, slot_digest(f.rel, "source_code")};
  f.rel.reviews.push_back(rv);
  auto r = f.try_act(f.who.op, "prepare_report");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.checklist_incomplete"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "source_code"));
  EXPECT_NE(r.error().en.find("accepted deliverables"), std::string::npos) << r.error().en;
}

TEST(GuardChecklistComplete, UnreadableWindowIsReportedAsMissingWindow) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("validated"));
  for (auto& rec : f.rel.records) {
    if (rec.type == "window") rec.fields["from"] = "soon";
  }
  auto r = f.try_act(f.who.op, "prepare_report");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.window_missing"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "window"));
}

TEST(GuardChecklistComplete, DbaConformityAndDbScriptsOnlyWhenTheRequestChangesTheDatabase) {
  // A request that states it does not change the database: no scripts, no DBA conformity.
  const char* slots[] = {"source_code", "backout_plan", "technical_report", "emergency_committee_record"};
  Release r = ReleaseBuilder("emergency").state("validated");
  r.changes_database = false;
  EXPECT_EQ(required_slots(builtin(), r), (std::vector<std::string>(std::begin(slots), std::end(slots))));
  for (const char* slot : slots) r.files.push_back(make_file(slot, "f.pdf", slot));
  const std::string m = manifest_sha256(r);
  for (const char* slot : slots) {
    r.reviews.push_back(Review{slot, "accepted", "", "op", 0, slot_digest(r, slot)});
  }
  r.records.push_back(Record{1, "window", {{"from", "2026-03-10T08:00:00Z"}, {"to", "2026-03-10T20:00:00Z"}}, "op", 0, m, {}});
  r.records.push_back(Record{2, "infra_readiness", {{"note", "ok"}}, "infra", 0, m, {}});
  r.records.push_back(Record{3, "security_conformity", {{"note", "ok"}}, "sec", 0, m, {}});
  const System sys = SystemBuilder().version("2.3");
  const Situation s = make_situation(builtin(), r, sys, at("2026-03-10T10:00:00Z"));
  EXPECT_TRUE(Passes(check_guard(GuardRef{"checklist_complete", "", {}, "", 0}, s, {})));

  // The same request changing the database needs its scripts and the DBA conformity.
  Release with_db = r;
  with_db.changes_database = true;
  with_db.files.push_back(make_file("db_scripts", "f.sql", "sql"));
  with_db.reviews.push_back(Review{"db_scripts", "accepted", "", "op", 0, slot_digest(with_db, "db_scripts")});
  for (auto& rec : with_db.records) rec.manifest_sha256 = manifest_sha256(with_db);
  const Situation s2 = make_situation(builtin(), with_db, sys, at("2026-03-10T10:00:00Z"));
  auto e = check_guard(GuardRef{"checklist_complete", "", {}, "", 0}, s2, {});
  ASSERT_TRUE(Refused(e, Code::failed_precondition, "guard.checklist_incomplete"));
  EXPECT_EQ(details(*e, "missing"), std::vector<std::string>{"dba_conformity"});
}

// --- fresh -----------------------------------------------------------------------------------------

TEST(GuardFresh, MissingSignoffIsSignoffMissing) {
  // A request in qa_approved whose QA acceptance is not on record (e.g. imported data).
  Release r = ReleaseBuilder("project").state("qa_approved").all_files();
  const System sys = SystemBuilder().version("2.3");
  const Situation s = make_situation(builtin(), r, sys, at("2026-03-10T10:00:00Z"));
  auto plan = plan_action(s, default_cast().qa, {"request_production", "", {}});
  ASSERT_TRUE(Refused(plan, Code::failed_precondition, "guard.signoff_missing"));
  EXPECT_TRUE(has_detail(plan.error(), "missing", "qa_accept"));
}

TEST(GuardFresh, PassesOnTheCurrentManifestRefusesOnAnother) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("pending_approval"));
  EXPECT_TRUE(Passes(check(f, "fresh", "prepare_report")));
  EXPECT_TRUE(Passes(check(f, "fresh", "security_conformity")));
  // The same history over other files: every sign-off is stale.
  f.rel.files[0].sha256 = sha256_hex("swapped behind our back");
  auto e = check(f, "fresh", "prepare_report");
  ASSERT_TRUE(Refused(e, Code::failed_precondition, "guard.signoff_stale"));
  EXPECT_TRUE(has_detail(*e, "stale", "prepare_report"));
  EXPECT_TRUE(Refused(f.try_act(f.who.asi, "pre_approve"), Code::failed_precondition, "guard.signoff_stale"));
  EXPECT_TRUE(Refused(check(f, "fresh", "security_conformity"), Code::failed_precondition, "guard.signoff_stale"));
}

TEST(GuardFresh, ApproveNeedsAFreshPreApproval) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.chief, "approve")));
  f.rel.files.push_back(make_file("source_code", "late.zip", "late change"));
  EXPECT_TRUE(Refused(f.try_act(f.who.chief, "approve"), Code::failed_precondition, "guard.signoff_stale"));
}

// --- committee quorum (more in quorum_test.cc) -----------------------------------------------------

TEST(GuardCommitteeQuorum, ApproveAndRejectBothWays) {
  Flow f("emergency");
  f.skip = {"votes"};
  ASSERT_TRUE(f.advance_to("committee"));
  EXPECT_TRUE(Refused(check(f, "committee_quorum_approve"), Code::failed_precondition, "guard.quorum_approve"));
  EXPECT_TRUE(Refused(check(f, "committee_quorum_reject"), Code::failed_precondition, "guard.quorum_reject"));
  ASSERT_TRUE(f.record(f.who.c1, "vote", {{"decision", "approve"}}));
  ASSERT_TRUE(f.record(f.who.c2, "vote", {{"decision", "approve"}}));
  EXPECT_TRUE(Passes(check(f, "committee_quorum_approve")));
  EXPECT_TRUE(Refused(check(f, "committee_quorum_reject"), Code::failed_precondition, "guard.quorum_reject"));
  ASSERT_TRUE(f.record(f.who.c1, "vote", {{"decision", "reject"}}));
  ASSERT_TRUE(f.record(f.who.c3, "vote", {{"decision", "reject"}}));
  EXPECT_TRUE(Passes(check(f, "committee_quorum_reject")));
  EXPECT_TRUE(Refused(check(f, "committee_quorum_approve"), Code::failed_precondition, "guard.quorum_approve"));
}

// --- deploy guards ---------------------------------------------------------------------------------

TEST(GuardApprovalFresh, PassesAfterApprovalRefusesWhenFilesChanged) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("approved"));
  EXPECT_TRUE(Passes(check(f, "approval_fresh")));
  f.rel.files[0].size += 1;
  EXPECT_TRUE(Refused(check(f, "approval_fresh"), Code::failed_precondition, "guard.approval_stale"));
}

TEST(GuardApprovalFresh, CommitteeApprovalCountsForEmergency) {
  Flow f("emergency");
  ASSERT_TRUE(f.advance_to("approved"));
  EXPECT_TRUE(Passes(check(f, "approval_fresh")));
}

TEST(GuardApprovalFresh, NoApprovalOnRecordRefuses) {
  Release r = ReleaseBuilder("project").state("approved").all_files();
  const System sys = SystemBuilder().version("2.3");
  const Situation s = make_situation(builtin(), r, sys, at("2026-03-10T10:00:00Z"));
  EXPECT_TRUE(Refused(check_guard(GuardRef{"approval_fresh", "", {}, "", 0}, s, {}), Code::failed_precondition, "guard.approval_stale"));
}

TEST(GuardBackupRecorded, MaintenanceAndEmergencyDeployNeedABackup) {
  for (const char* kind : {"maintenance", "emergency"}) {
    SCOPED_TRACE(kind);
    Flow f(kind);
    f.skip = {"backup"};
    ASSERT_TRUE(f.advance_to("validated"));
    ASSERT_TRUE(f.advance_to("approved"));
    ASSERT_TRUE(f.record(f.who.op, "deployment", f.deployment_fields()));
    ASSERT_TRUE(f.record(f.who.dba, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}));
    f.deployed_manifest = manifest_sha256(f.rel);
    auto r = f.try_act(f.who.op, "deploy");
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.backup_missing"));
    EXPECT_TRUE(has_detail(r.error(), "missing", "backup"));
    ASSERT_TRUE(f.record(f.who.dba, "backup", {{"what", "db"}, {"where", "nas"}, {"sha256", sha256_hex("db dump")}}));
    EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
  }
}

TEST(GuardBackupRecorded, ProjectDeployNeedsNoBackup) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_EQ(f.rel.latest_record("backup"), nullptr);
}

TEST(GuardOutsideFreeze, DeployInsideAFreezeIsRefusedExceptForEmergency) {
  for (const char* kind : {"project", "maintenance"}) {
    SCOPED_TRACE(kind);
    Flow f(kind);
    f.freezes.push_back(FreezeWindow{7, at("2026-03-09T00:00:00Z"), at("2026-03-12T00:00:00Z"), "cierre de año escolar", "prod", 0});
    auto reached = f.advance_to("deployed");
    ASSERT_FALSE(reached);
    EXPECT_EQ(f.rel.state, "approved");
    auto r = f.try_act(f.who.op, "deploy");
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.freeze"));
    EXPECT_EQ(r.error().detail("freeze_id"), "7");
    EXPECT_NE(r.error().es.find("cierre de año escolar"), std::string::npos) << r.error().es;
    f.freezes.clear();
    EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
  }
  Flow e("emergency");
  e.freezes.push_back(FreezeWindow{7, at("2026-03-09T00:00:00Z"), at("2026-03-12T00:00:00Z"), "freeze", "prod", 0});
  EXPECT_TRUE(e.advance_to("deployed"));
}

TEST(GuardOutsideFreeze, WindowOverlappingAFreezeIsRefusedEvenIfNowIsNot) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  // now 10:00 is outside the freeze, the window (08:00–20:00) reaches into it.
  f.freezes.push_back(FreezeWindow{3, at("2026-03-10T18:00:00Z"), at("2026-03-11T06:00:00Z"), "night maintenance", "prod", 0});
  EXPECT_TRUE(Refused(check(f, "outside_freeze"), Code::failed_precondition, "guard.freeze"));
  f.freezes[0].from = at("2026-03-10T20:00:00Z");  // touches the window's end only
  EXPECT_TRUE(Passes(check(f, "outside_freeze")));
  f.freezes[0] = FreezeWindow{4, at("2026-03-01T00:00:00Z"), at("2026-03-02T00:00:00Z"), "past", "prod", 0};
  EXPECT_TRUE(Passes(check(f, "outside_freeze")));
}

TEST(GuardWithinWindow, DeployMustFallInsideThePlannedWindow) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("approved"));
  ASSERT_TRUE(f.record(f.who.op, "deployment", f.deployment_fields()));
  ASSERT_TRUE(f.record(f.who.dba, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}));
  f.deployed_manifest = manifest_sha256(f.rel);
  f.now = at("2026-03-10T07:59:59Z");
  auto early = f.try_act(f.who.op, "deploy");
  ASSERT_TRUE(Refused(early, Code::failed_precondition, "guard.outside_window"));
  EXPECT_NE(early.error().en.find("2026-03-10 08:00"), std::string::npos) << early.error().en;  // UTC: no zone given
  EXPECT_EQ(early.error().detail("window_from"), "2026-03-10T08:00:00Z");
  f.now = at("2026-03-10T20:00:01Z");
  EXPECT_TRUE(Refused(f.try_act(f.who.op, "deploy"), Code::failed_precondition, "guard.outside_window"));
  f.now = at("2026-03-10T08:00:00Z");
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
  f.now = at("2026-03-10T20:00:00Z");
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
}

TEST(GuardWithinWindow, LatestWindowCounts) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("approved"));
  ASSERT_TRUE(f.record(f.who.prod, "window", {{"from", "2026-03-11T08:00:00Z"}, {"to", "2026-03-11T12:00:00Z"}}));
  EXPECT_TRUE(Refused(check(f, "within_window"), Code::failed_precondition, "guard.outside_window"));
  f.now = at("2026-03-11T09:00:00Z");
  EXPECT_TRUE(Passes(check(f, "within_window")));
}

TEST(GuardWithinWindow, NoWindowIsWindowMissing) {
  Release r = ReleaseBuilder("project").state("approved").all_files();
  const System sys = SystemBuilder().version("2.3");
  const Situation s = make_situation(builtin(), r, sys, at("2026-03-10T10:00:00Z"));
  auto e = check_guard(GuardRef{"within_window", "", {}, "", 0}, s, {});
  ASSERT_TRUE(Refused(e, Code::failed_precondition, "guard.window_missing"));
  EXPECT_TRUE(has_detail(*e, "missing", "window"));
}

TEST(GuardDeploymentRecorded, DeployNeedsTheDeploymentRecord) {
  Flow f("maintenance");
  f.skip = {"deployment"};
  ASSERT_FALSE(f.advance_to("deployed"));
  ASSERT_EQ(f.rel.state, "approved");
  auto r = f.try_act(f.who.op, "deploy");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.deployment_missing"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "deployment"));
  ASSERT_TRUE(f.record(f.who.op, "deployment", f.deployment_fields()));
  ASSERT_TRUE(f.record(f.who.dba, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
}

TEST(GuardDeployedMatchesApproval, DeployedBytesMustHashToTheApprovedManifest) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  ASSERT_TRUE(f.record(f.who.op, "backup", {{"what", "db"}, {"where", "nas"}, {"sha256", sha256_hex("dump")}}));
  ASSERT_TRUE(f.record(f.who.op, "deployment", f.deployment_fields()));
  ASSERT_TRUE(f.record(f.who.dba, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}));
  const std::string approved = f.rel.latest_transition("approve")->manifest_sha256;

  f.deployed_manifest.reset();  // library bytes not recomputed
  EXPECT_TRUE(Refused(f.try_act(f.who.op, "deploy"), Code::failed_precondition, "guard.manifest_mismatch"));

  std::vector<DeliverableFile> bytes = f.rel.files;
  bytes[0].sha256 = sha256_hex("a file swapped in the library");
  f.deployed_manifest = manifest_sha256(f.rel, bytes);
  auto r = f.try_act(f.who.op, "deploy");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.manifest_mismatch"));
  EXPECT_EQ(r.error().detail("approved_manifest"), approved);
  EXPECT_EQ(r.error().detail("deployed_manifest"), *f.deployed_manifest);

  f.deployed_manifest = manifest_sha256(f.rel, f.rel.files);
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
}

TEST(GuardsOfDeploy, RefusalNamesEverythingMissing) {
  Flow f("maintenance");
  f.skip = {"backup", "deployment"};
  ASSERT_TRUE(f.advance_to("pending_approval"));
  ASSERT_TRUE(f.advance_to("pre_approved"));
  ASSERT_TRUE(f.act(f.who.chief, "approve"));
  f.now = at("2026-03-11T10:00:00Z");  // outside the window too
  auto r = f.try_act(f.who.op, "deploy");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.backup_missing"));  // the first one's id
  EXPECT_TRUE(has_detail(r.error(), "missing", "backup"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "deployment"));
  EXPECT_NE(r.error().en.find("outside the planned deployment window"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().en.find("do not match the approved manifest"), std::string::npos) << r.error().en;
}

TEST(Guards, WindowAndFreezeRefusalsNameTheOfficeTimeZone) {
  auto lima = load_time_zone("America/Lima");
  ASSERT_TRUE(lima) << lima.error().en;
  Flow f("maintenance");
  f.zone = &*lima;
  ASSERT_TRUE(f.advance_to("approved"));
  const Release& r = f.rel;
  const Record* w = r.latest_record("window");
  ASSERT_NE(w, nullptr);
  f.now = *parse_iso(w->fields.at("to")) + 3600 * 1000;  // an hour after the window closed
  auto refused = f.try_act(f.who.op, "deploy");
  ASSERT_FALSE(refused.ok());
  const std::string es = refused.error().es;
  const std::string local_now = format_local(f.now, *lima, Lang::es);
  EXPECT_NE(es.find("Ahora (" + local_now + ", hora de America/Lima)"), std::string::npos) << es;
  EXPECT_EQ(es.find('Z'), std::string::npos) << "no UTC instant in a message a person reads: " << es;
  EXPECT_NE(refused.error().en.find("America/Lima time"), std::string::npos) << refused.error().en;

  f.now = *parse_iso(w->fields.at("from")) + 60 * 1000;
  f.freezes.push_back({.id = 7, .from = f.now - 86400000LL, .to = f.now + 86400000LL, .reason = "cierre de año", .created_by = "", .created_at = 0});
  refused = f.try_act(f.who.op, "deploy");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().es.find(format_local(f.now - 86400000LL, *lima, Lang::es) + " – " +
                                    format_local(f.now + 86400000LL, *lima, Lang::es) + ", hora de America/Lima"),
            std::string::npos)
      << refused.error().es;
}

// --- verify / rollback -----------------------------------------------------------------------------

TEST(GuardVerificationOk, VerifyNeedsTheLatestVerificationOk) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("deployed"));
  auto none = f.try_act(f.who.op, "verify");
  ASSERT_TRUE(Refused(none, Code::failed_precondition, "guard.verification_missing"));
  EXPECT_NE(none.error().en.find("Record the operability verification"), std::string::npos);
  ASSERT_TRUE(f.record(f.who.op, "verification", {{"result", "failed"}, {"evidence", "HTTP 500 on login"}}));
  auto failed = f.try_act(f.who.op, "verify");
  ASSERT_TRUE(Refused(failed, Code::failed_precondition, "guard.verification_missing"));
  EXPECT_NE(failed.error().en.find("failed"), std::string::npos) << failed.error().en;
  ASSERT_TRUE(f.record(f.who.op, "verification", {{"result", "ok"}, {"evidence", "fixed config, login works"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "verify")));
  ASSERT_TRUE(f.record(f.who.op, "verification", {{"result", "failed"}, {"evidence", "fails again"}}));
  EXPECT_TRUE(Refused(f.try_act(f.who.op, "verify"), Code::failed_precondition, "guard.verification_missing"));
}

TEST(GuardRollbackRecorded, RollbackNeedsARollbackRecordWithText) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("deployed"));
  ASSERT_TRUE(f.record(f.who.op, "verification", {{"result", "failed"}, {"evidence", "reports empty"}}));
  auto r = f.try_act(f.who.op, "rollback");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.rollback_record_missing"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "rollback"));
  ASSERT_TRUE(f.record(f.who.op, "rollback", {{"result", "ok"}, {"note", "restored 2.3 from the backup"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "rollback")));
  // A record whose note is blank (inconsistent data) does not count.
  f.rel.records.back().fields["note"] = "  ";
  EXPECT_TRUE(Refused(check(f, "rollback_recorded"), Code::failed_precondition, "guard.rollback_record_missing"));
}

TEST(GuardRollbackRecorded, RollbackIsPossibleFromVerifiedToo) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("verified"));
  ASSERT_TRUE(f.record(f.who.op, "rollback", {{"result", "ok"}, {"note", "users reported data loss"}}));
  ASSERT_TRUE(f.act(f.who.op, "rollback"));
  EXPECT_EQ(f.rel.state, "rolled_back");
}

// --- record / cosigned -------------------------------------------------------------------------------

TEST(GuardRecord, ProjectAcceptNeedsInventoryIpRegistrationAndBaseline) {
  for (const char* missing : {"inventory", "ip_registration", "baseline"}) {
    SCOPED_TRACE(missing);
    Flow f("project");
    f.skip = {missing};
    ASSERT_FALSE(f.advance_to("closed"));
    ASSERT_EQ(f.rel.state, "verified");
    auto r = f.try_act(f.who.fu, "accept");
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.record_missing"));
    EXPECT_EQ(details(r.error(), "missing"), std::vector<std::string>{missing});
  }
}

TEST(GuardRecord, MaintenanceAcceptNeedsOnlyTheBaseline) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("closed"));
  EXPECT_EQ(f.rel.latest_record("inventory"), nullptr);
  EXPECT_EQ(f.rel.latest_record("ip_registration"), nullptr);
  Flow g("maintenance");
  g.skip = {"baseline"};
  ASSERT_FALSE(g.advance_to("closed"));
  EXPECT_TRUE(Refused(g.try_act(g.who.fu, "accept"), Code::failed_precondition, "guard.record_missing"));
}

TEST(GuardRecord, EmergencyCloseNeedsTheBaseline) {
  Flow f("emergency");
  f.skip = {"baseline"};
  ASSERT_FALSE(f.advance_to("closed"));
  ASSERT_EQ(f.rel.state, "verified");
  auto r = f.try_act(f.who.prod, "close");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.record_missing"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "baseline"));
  ASSERT_TRUE(f.record(f.who.op, "baseline", {}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "close")));
}

TEST(GuardCosigned, AcceptNeedsQaLeadAndProductionLeadCosignatures) {
  Flow f("maintenance");
  f.skip = {"cosign"};
  ASSERT_FALSE(f.advance_to("closed"));
  ASSERT_EQ(f.rel.state, "verified");
  auto none = f.try_act(f.who.fu, "accept");
  ASSERT_TRUE(Refused(none, Code::failed_precondition, "guard.cosign_missing"));
  EXPECT_EQ(details(none.error(), "missing"), (std::vector<std::string>{"qa_lead", "production_lead"}));
  ASSERT_TRUE(f.record(f.who.qa, "cosign", {{"note", "conforme"}}));
  auto one = f.try_act(f.who.fu, "accept");
  ASSERT_TRUE(Refused(one, Code::failed_precondition, "guard.cosign_missing"));
  EXPECT_EQ(details(one.error(), "missing"), std::vector<std::string>{"production_lead"});
  EXPECT_NE(one.error().es.find("Responsable del Equipo de Producción"), std::string::npos) << one.error().es;
  ASSERT_TRUE(f.record(f.who.prod, "cosign", {{"note", "conforme"}}));
  EXPECT_TRUE(Allowed(f.try_act(f.who.fu, "accept")));
}

TEST(GuardCosigned, StaleCosignatureDoesNotCount) {
  Flow f("maintenance");
  f.skip = {"cosign"};
  ASSERT_FALSE(f.advance_to("closed"));
  ASSERT_TRUE(f.record(f.who.qa, "cosign", {{"note", "conforme"}}));
  ASSERT_TRUE(f.record(f.who.prod, "cosign", {{"note", "conforme"}}));
  EXPECT_TRUE(Passes(check(f, "cosigned")));
  f.rel.records.back().manifest_sha256 = sha256_hex("another manifest");
  auto e = check(f, "cosigned");
  ASSERT_TRUE(Refused(e, Code::failed_precondition, "guard.cosign_missing"));
  EXPECT_EQ(details(*e, "missing"), std::vector<std::string>{"production_lead"});
}

}  // namespace
}  // namespace pasaprod::test
