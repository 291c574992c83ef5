// plan_record (SPEC §4.4): type, kind, role, state, required keys and the checks of each type's
// fields (window, vote, backup, deployment, verification, ip_registration, cosign).
#include <gtest/gtest.h>

#include "core_test_util.h"
#include "util/sha256.h"

namespace pasaprod::test {
namespace {

using Fields = std::map<std::string, std::string>;

TEST(PlanRecord, UnknownTypeIsInvalidArgumentListingTheTypes) {
  Flow f("project");
  auto r = f.try_record(f.who.op, "selfie", {});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.unknown_type"));
  EXPECT_NE(r.error().en.find("window"), std::string::npos);
  EXPECT_NE(r.error().en.find("cosign"), std::string::npos);
}

TEST(PlanRecord, TypeOfAnotherKindIsRefused) {
  Flow m("maintenance");
  ASSERT_TRUE(m.advance_to("verified"));
  EXPECT_TRUE(Refused(m.try_record(m.who.op, "inventory", {{"asset_id", "A1"}}), Code::failed_precondition, "record.not_for_kind"));
  EXPECT_TRUE(Refused(m.try_record(m.who.prod, "ip_registration", {{"filed_on", "2026-03-11"}, {"file_number", "1"}}),
                      Code::failed_precondition, "record.not_for_kind"));
  Flow e("emergency");
  ASSERT_TRUE(e.advance_to("verified"));
  EXPECT_TRUE(Refused(e.try_record(e.who.qa, "cosign", {{"note", "x"}}), Code::failed_precondition, "record.not_for_kind"));
  Flow p("project");
  ASSERT_TRUE(p.advance_to("pending_approval"));
  EXPECT_TRUE(Refused(p.try_record(p.who.c1, "vote", {{"decision", "approve"}}), Code::failed_precondition, "record.not_for_kind"));
}

TEST(PlanRecord, ActorWithoutTheRoleIsDenied) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_record(f.who.dba, "window", {{"from", "2026-03-10T08:00"}, {"to", "2026-03-10T12:00"}});
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_EQ(details(r.error(), "required_role"), (std::vector<std::string>{"release_operator", "production_lead"}));
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "security_conformity", {{"note", "x"}}), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_record(f.who.sec, "dba_conformity", {{"note", "x"}}), Code::permission_denied, "role.required"));
  const User gone = UserBuilder("gone").role("security_officer").inactive();
  EXPECT_TRUE(Refused(f.try_record(gone, "security_conformity", {{"note", "x"}}), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.sec, "security_conformity", {{"note", "x"}})));
}

TEST(PlanRecord, WrongStateIsRefusedNamingTheStates) {
  Flow f("maintenance");
  auto r = f.try_record(f.who.op, "window", {{"from", "2026-03-10T08:00"}, {"to", "2026-03-10T12:00"}});
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "record.wrong_state"));
  EXPECT_EQ(r.error().detail("state"), "draft");
  EXPECT_NE(r.error().en.find("Submitted to production"), std::string::npos) << r.error().en;
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "backup", {{"what", "a"}, {"where", "b"}, {"sha256", sha256_hex("x")}}),
                      Code::failed_precondition, "record.wrong_state"));
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "baseline", {}), Code::failed_precondition, "record.wrong_state"));
}

TEST(PlanRecord, MissingRequiredKeyIsNamed) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_record(f.who.op, "window", {{"from", "2026-03-10T08:00"}});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "to");
  auto blank = f.try_record(f.who.sec, "security_conformity", {{"note", "   "}});
  ASSERT_TRUE(Refused(blank, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(blank.error().detail("field"), "note");
}

TEST(PlanRecord, FieldKeysMustBeLowercaseIdentifiers) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  for (const char* key : {"Note", "no te", "note-2", "", "ñota", "a_very_long_key_name_that_goes_beyond_forty_chars"}) {
    auto r = f.try_record(f.who.sec, "security_conformity", {{"note", "ok"}, {key, "x"}});
    EXPECT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field")) << "\"" << key << "\"";
  }
  EXPECT_TRUE(Allowed(f.try_record(f.who.sec, "security_conformity", {{"note", "ok"}, {"ticket_2", "x"}})));
}

TEST(PlanRecord, ValuesAreTrimmedAndLimitedIn8000Chars) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_record(f.who.sec, "security_conformity", {{"note", "  conforme \n"}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->fields.at("note"), "conforme");
  EXPECT_TRUE(Allowed(f.try_record(f.who.sec, "security_conformity", {{"note", std::string(8000, 'x')}})));
  EXPECT_TRUE(Refused(f.try_record(f.who.sec, "security_conformity", {{"note", std::string(8001, 'x')}}),
                      Code::invalid_argument, "record.bad_field"));
}

TEST(PlanRecord, RecordCarriesAuthorTimeAndManifest) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_record(f.who.sec, "security_conformity", {{"note", "ok"}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->type, "security_conformity");
  EXPECT_EQ(r->by, "sec");
  EXPECT_EQ(r->at, f.now);
  EXPECT_EQ(r->manifest_sha256, manifest_sha256(f.rel));
}

// --- window ----------------------------------------------------------------------------------------

TEST(RecordWindow, IsoTimesAreNormalisedToUtc) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto r = f.try_record(f.who.prod, "window", {{"from", "2026-03-10 08:00"}, {"to", "2026-03-10T12:30:00-05:00"}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->fields.at("from"), "2026-03-10T08:00:00Z");
  EXPECT_EQ(r->fields.at("to"), "2026-03-10T17:30:00Z");
}

TEST(RecordWindow, MalformedTimesAreRefusedNamingTheField) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  auto bad_from = f.try_record(f.who.op, "window", {{"from", "tomorrow"}, {"to", "2026-03-10T12:00"}});
  ASSERT_TRUE(Refused(bad_from, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(bad_from.error().detail("field"), "from");
  auto bad_to = f.try_record(f.who.op, "window", {{"from", "2026-03-10T08:00"}, {"to", "2026-02-30T12:00"}});
  ASSERT_TRUE(Refused(bad_to, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(bad_to.error().detail("field"), "to");
}

TEST(RecordWindow, MustEndAfterItStarts) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("submitted"));
  for (const char* to : {"2026-03-10T08:00:00Z", "2026-03-10T07:00:00Z", "2026-03-09"}) {
    auto r = f.try_record(f.who.op, "window", {{"from", "2026-03-10T08:00:00Z"}, {"to", to}});
    ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field")) << to;
    EXPECT_EQ(r.error().detail("field"), "to");
  }
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "window", {{"from", "2026-03-10T08:00:00Z"}, {"to", "2026-03-10T08:00:01Z"}})));
}

TEST(RecordWindow, CanBeReplannedUntilApproved) {
  Flow f("maintenance");
  for (const char* state : {"submitted", "validated", "pending_approval", "pre_approved", "approved"}) {
    ASSERT_TRUE(f.advance_to(state));
    EXPECT_TRUE(Allowed(f.try_record(f.who.prod, "window", {{"from", "2026-03-10T08:00"}, {"to", "2026-03-10T12:00"}}))) << state;
  }
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_TRUE(Refused(f.try_record(f.who.prod, "window", {{"from", "2026-03-10T08:00"}, {"to", "2026-03-10T12:00"}}),
                      Code::failed_precondition, "record.wrong_state"));
}

// --- vote ------------------------------------------------------------------------------------------

TEST(RecordVote, DecisionIsApproveOrReject) {
  Flow f("emergency");
  f.skip = {"votes"};
  ASSERT_TRUE(f.advance_to("committee"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.c1, "vote", {{"decision", "approve"}})));
  EXPECT_TRUE(Allowed(f.try_record(f.who.c1, "vote", {{"decision", "reject"}, {"note", "no back-out tested"}})));
  for (const char* d : {"yes", "Approve", "abstain", "aprobar"}) {
    auto r = f.try_record(f.who.c1, "vote", {{"decision", d}});
    ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field")) << d;
    EXPECT_EQ(r.error().detail("field"), "decision");
  }
  EXPECT_TRUE(Refused(f.try_record(f.who.c1, "vote", {}), Code::invalid_argument, "record.bad_field"));
}

TEST(RecordVote, OnlyCommitteeMembersVoteAndOnlyInCommittee) {
  Flow f("emergency");
  f.skip = {"votes"};
  EXPECT_TRUE(Refused(f.try_record(f.who.c1, "vote", {{"decision", "approve"}}), Code::failed_precondition, "record.wrong_state"));
  ASSERT_TRUE(f.advance_to("committee"));
  EXPECT_TRUE(Refused(f.try_record(f.who.chief, "vote", {{"decision", "approve"}}), Code::permission_denied, "role.required"));
  f.skip.clear();
  ASSERT_TRUE(f.advance_to("validated"));
  EXPECT_TRUE(Refused(f.try_record(f.who.c1, "vote", {{"decision", "approve"}}), Code::failed_precondition, "record.wrong_state"));
}

// --- backup ----------------------------------------------------------------------------------------

TEST(RecordBackup, Sha256MustBe64HexCharacters) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  const Fields base = {{"what", "app + db"}, {"where", "//nas/backups"}};
  for (const std::string& bad : {std::string("abc"), std::string(63, 'a'), std::string(65, 'a'), std::string(64, 'g'),
                                "sha256:" + sha256_hex("x")}) {
    Fields fields = base;
    fields["sha256"] = bad;
    auto r = f.try_record(f.who.op, "backup", fields);
    ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field")) << bad;
    EXPECT_EQ(r.error().detail("field"), "sha256");
  }
  Fields good = base;
  good["sha256"] = sha256_hex("backup");
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "backup", good)));
  EXPECT_TRUE(Allowed(f.try_record(f.who.dba, "backup", good)));
  EXPECT_TRUE(Refused(f.try_record(f.who.prod, "backup", good), Code::permission_denied, "role.required"));
}

TEST(RecordBackup, NeedsWhatAndWhere) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  auto r = f.try_record(f.who.op, "backup", {{"where", "nas"}, {"sha256", sha256_hex("b")}});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "what");
}

// --- deployment ------------------------------------------------------------------------------------

TEST(RecordDeployment, ProjectListsInstallGuideInitialLoadAndUsers) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("approved"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "deployment", {{"steps", "install_guide, initial_data_load ,users_created"}})));
  auto missing = f.try_record(f.who.op, "deployment", {{"steps", "install_guide,users_created"}});
  ASSERT_TRUE(Refused(missing, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(missing.error().detail("field"), "steps");
  EXPECT_NE(missing.error().en.find("initial_data_load"), std::string::npos) << missing.error().en;
  auto foreign = f.try_record(f.who.op, "deployment", {{"steps", "install_guide,initial_data_load,users_created,deployment_guide"}});
  ASSERT_TRUE(Refused(foreign, Code::invalid_argument, "record.bad_field"));
  EXPECT_NE(foreign.error().en.find("deployment_guide"), std::string::npos) << foreign.error().en;
}

TEST(RecordDeployment, MaintenanceAndEmergencyListTheDeploymentGuide) {
  for (const char* kind : {"maintenance", "emergency"}) {
    SCOPED_TRACE(kind);
    Flow f(kind);
    ASSERT_TRUE(f.advance_to("approved"));
    EXPECT_TRUE(Allowed(f.try_record(f.who.op, "deployment", {{"steps", "deployment_guide"}})));
    EXPECT_TRUE(Refused(f.try_record(f.who.op, "deployment", {{"steps", "install_guide"}}), Code::invalid_argument, "record.bad_field"));
    EXPECT_TRUE(Refused(f.try_record(f.who.op, "deployment", {{"steps", " , "}}), Code::invalid_argument, "record.bad_field"));
  }
}

TEST(RecordDeployment, StartAndEndDefaultToNowAndAreNormalised) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  auto r = f.try_record(f.who.op, "deployment", {{"steps", "deployment_guide"}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->fields.at("started"), "2026-03-10T10:00:00Z");
  EXPECT_EQ(r->fields.at("ended"), "2026-03-10T10:00:00Z");
  auto given = f.try_record(f.who.op, "deployment",
                            {{"steps", "deployment_guide"}, {"started", "2026-03-10 09:15"}, {"ended", "2026-03-10T04:45:00-05:00"}});
  ASSERT_TRUE(Allowed(given));
  EXPECT_EQ(given->fields.at("started"), "2026-03-10T09:15:00Z");
  EXPECT_EQ(given->fields.at("ended"), "2026-03-10T09:45:00Z");
  auto bad = f.try_record(f.who.op, "deployment", {{"steps", "deployment_guide"}, {"started", "9:15"}});
  ASSERT_TRUE(Refused(bad, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(bad.error().detail("field"), "started");
}

TEST(RecordDeployment, EndBeforeStartIsRefused) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  auto r = f.try_record(f.who.op, "deployment",
                        {{"steps", "deployment_guide"}, {"started", "2026-03-10T11:00:00Z"}, {"ended", "2026-03-10T09:00:00Z"}});
  if (r.ok()) {
    FAIL() << "a deployment record whose end (09:00) is before its start (11:00) is accepted; "
                    "expected record.bad_field on \"ended\" as for a window whose end is not after its start";
  }
  EXPECT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "ended");
}

TEST(RecordDeployment, KeepsTheDigestsActuallyDeployed) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  f.deployed_manifest = manifest_sha256(f.rel);
  auto r = f.try_record(f.who.op, "deployment", {{"steps", "deployment_guide"}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->fields.at("deployed_manifest_sha256"), *f.deployed_manifest);
}

// --- verification / rollback / inventory / ip_registration / baseline ------------------------------

TEST(RecordVerification, ResultIsOkOrFailedWithEvidence) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "verification", {{"result", "ok"}, {"evidence", "screenshots"}})));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "verification", {{"result", "failed"}, {"evidence", "error 500"}})));
  auto r = f.try_record(f.who.op, "verification", {{"result", "partial"}, {"evidence", "half works"}});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "result");
  auto no_evidence = f.try_record(f.who.op, "verification", {{"result", "ok"}});
  ASSERT_TRUE(Refused(no_evidence, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(no_evidence.error().detail("field"), "evidence");
}

TEST(RecordRollback, NeedsResultAndNoteInDeployedOrVerified) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "rollback", {{"result", "ok"}, {"note", "n"}}), Code::failed_precondition,
                      "record.wrong_state"));
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "rollback", {{"result", "ok"}}), Code::invalid_argument, "record.bad_field"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "rollback", {{"result", "ok"}, {"note", "restored"}})));
  ASSERT_TRUE(f.advance_to("verified"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "rollback", {{"result", "ok"}, {"note", "restored"}})));
}

TEST(RecordIpRegistration, FiledOnMustBeADate) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("verified"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.prod, "ip_registration", {{"filed_on", "2026-03-11"}, {"file_number", "0042-2026"}})));
  auto r = f.try_record(f.who.prod, "ip_registration", {{"filed_on", "11/03/2026"}, {"file_number", "0042-2026"}});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "filed_on");
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "ip_registration", {{"filed_on", "2026-03-11"}, {"file_number", "1"}}),
                      Code::permission_denied, "role.required"));
}

TEST(RecordBaseline, NeedsNoFieldsAndOnlyInVerified) {
  Flow f("emergency");
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "baseline", {}), Code::failed_precondition, "record.wrong_state"));
  ASSERT_TRUE(f.advance_to("verified"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "baseline", {})));
}

// --- cosign role resolution ------------------------------------------------------------------------

TEST(RecordCosign, RoleIsResolvedFromTheActorsSingleCosigningRole) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("verified"));
  auto qa = f.try_record(f.who.qa, "cosign", {{"note", "conforme"}});
  ASSERT_TRUE(Allowed(qa));
  EXPECT_EQ(qa->fields.at("role"), "qa_lead");
  auto prod = f.try_record(f.who.prod, "cosign", {{"note", "conforme"}});
  ASSERT_TRUE(Allowed(prod));
  EXPECT_EQ(prod->fields.at("role"), "production_lead");
}

TEST(RecordCosign, HolderOfBothRolesMustSayWhich) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("verified"));
  const User both = UserBuilder("both").role("qa_lead").role("production_lead");
  auto r = f.try_record(both, "cosign", {{"note", "conforme"}});
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "record.bad_field"));
  EXPECT_EQ(r.error().detail("field"), "role");
  auto chosen = f.try_record(both, "cosign", {{"note", "conforme"}, {"role", "production_lead"}});
  ASSERT_TRUE(Allowed(chosen));
  EXPECT_EQ(chosen->fields.at("role"), "production_lead");
}

TEST(RecordCosign, GivenRoleMustBeACosigningRoleTheActorHolds) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("verified"));
  auto not_held = f.try_record(f.who.qa, "cosign", {{"note", "x"}, {"role", "production_lead"}});
  ASSERT_TRUE(Refused(not_held, Code::permission_denied, "role.required"));
  EXPECT_EQ(details(not_held.error(), "required_role"), (std::vector<std::string>{"qa_lead", "production_lead"}));
  const User qa_chief = UserBuilder("qa_chief").role("qa_lead").role("it_chief");
  EXPECT_TRUE(Refused(f.try_record(qa_chief, "cosign", {{"note", "x"}, {"role", "it_chief"}}), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_record(f.who.fu, "cosign", {{"note", "x"}}), Code::permission_denied, "role.required"));
}

}  // namespace
}  // namespace pasaprod::test
