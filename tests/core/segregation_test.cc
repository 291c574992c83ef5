// Segregation of duties (SPEC §4.3): every pair in the built-in YAML is refused for the same
// person, even one holding both roles; another person with the role may do it.
#include <gtest/gtest.h>

#include <set>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

TEST(Segregation, BuiltinHasExactlyThePairsOfSpec) {
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& r : builtin().segregation) got.insert({r.first, r.then});
  EXPECT_EQ(got, (std::set<std::pair<std::string, std::string>>{
                     {"request_qa", "qa_accept"}, {"qa_accept", "approve"}, {"pre_approve", "approve"}, {"approve", "deploy"},
                     // The committee's approval of an emergency is its approval: same rule.
                     {"committee_approve", "deploy"},
                     // Records: who authorized or voted does not execute; who deployed does not accept.
                     {"pre_approve", "backup"}, {"pre_approve", "deployment"}, {"pre_approve", "db_deployment"},
                     {"pre_approve", "verification"}, {"approve", "backup"}, {"approve", "deployment"},
                     {"approve", "db_deployment"}, {"approve", "verification"}, {"vote", "backup"}, {"vote", "deployment"},
                     {"vote", "db_deployment"}, {"vote", "verification"}, {"deploy", "accept"}, {"deployment", "accept"},
                     {"db_deployment", "accept"}}));
}

void expect_segregation_refusal(const Result<ActionPlan>& r, const std::string& first, const std::string& then) {
  ASSERT_TRUE(Refused(r, Code::permission_denied, "segregation"));
  EXPECT_EQ(r.error().detail("first"), first);
  EXPECT_EQ(r.error().detail("then"), then);
  EXPECT_NE(r.error().en.find("Segregation of duties"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("Segregación de funciones"), std::string::npos) << r.error().es;
}

TEST(Segregation, WhoRequestedQaMayNotAcceptQa) {
  Flow f("project");
  const User both = UserBuilder("both").role_for("project_lead", kSys).role("qa_lead");
  ASSERT_TRUE(f.act(both, "request_qa"));
  expect_segregation_refusal(f.try_act(both, "qa_accept"), "request_qa", "qa_accept");
  EXPECT_TRUE(Allowed(f.try_act(f.who.qa, "qa_accept")));
}

TEST(Segregation, WhoAcceptedQaMayNotApprove) {
  Flow f("maintenance");
  const User both = UserBuilder("both").role("qa_lead").role("it_chief");
  ASSERT_TRUE(f.advance_to("in_qa"));
  ASSERT_TRUE(f.act(both, "qa_accept"));
  ASSERT_TRUE(f.advance_to("pre_approved"));
  expect_segregation_refusal(f.try_act(both, "approve"), "qa_accept", "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.chief, "approve")));
}

TEST(Segregation, WhoPreApprovedMayNotApprove) {
  Flow f("project");
  const User both = UserBuilder("both").role("asi_head").role("it_chief");
  ASSERT_TRUE(f.advance_to("pending_approval"));
  ASSERT_TRUE(f.act(both, "pre_approve"));
  expect_segregation_refusal(f.try_act(both, "approve"), "pre_approve", "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.chief, "approve")));
}

TEST(Segregation, WhoApprovedMayNotDeploy) {
  Flow f("project");
  const User both = UserBuilder("both").role("it_chief").role("release_operator");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  ASSERT_TRUE(f.act(both, "approve"));
  ASSERT_TRUE(f.record(f.who.op, "deployment", f.deployment_fields()));
  ASSERT_TRUE(f.record(f.who.dba, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}));
  f.deployed_manifest = manifest_sha256(f.rel);
  expect_segregation_refusal(f.try_act(both, "deploy"), "approve", "deploy");
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
}

void expect_record_refusal(const Result<Record>& r, const std::string& first, const std::string& then) {
  ASSERT_TRUE(Refused(r, Code::permission_denied, "segregation"));
  EXPECT_EQ(r.error().detail("first"), first);
  EXPECT_EQ(r.error().detail("then"), then);
}

TEST(Segregation, WhoApprovedMayNotRecordTheBackupDeploymentOrVerification) {
  Flow f("maintenance");
  const User both = UserBuilder("both").role("it_chief").role("release_operator").role("dba");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  ASSERT_TRUE(f.act(both, "approve"));
  expect_record_refusal(f.try_record(both, "backup", {{"what", "db"}, {"where", "/b"}, {"sha256", std::string(64, 'a')}}), "approve",
                        "backup");
  expect_record_refusal(f.try_record(both, "deployment", f.deployment_fields()), "approve", "deployment");
  expect_record_refusal(f.try_record(both, "db_deployment", {{"scripts", "V2.sql"}, {"result", "ok"}}), "approve", "db_deployment");
  EXPECT_TRUE(Allowed(f.try_record(f.who.op, "deployment", f.deployment_fields())));
  ASSERT_TRUE(f.advance_to("deployed"));
  expect_record_refusal(f.try_record(both, "verification", {{"result", "ok"}, {"evidence", "smoke"}}), "approve", "verification");
}

TEST(Segregation, WhoVotedMayNotRecordTheDeployment) {
  Flow f("emergency");
  const User member = UserBuilder("member").role("emergency_committee").role("release_operator");
  f.committee = {"member", "c1", "c2"};
  f.skip = {"votes"};
  ASSERT_TRUE(f.advance_to("committee"));
  ASSERT_TRUE(f.record(member, "vote", {{"decision", "approve"}}));
  ASSERT_TRUE(f.record(f.who.c1, "vote", {{"decision", "approve"}}));
  ASSERT_TRUE(f.act(f.who.c1, "committee_approve"));
  ASSERT_TRUE(f.advance_to("approved"));
  expect_record_refusal(f.try_record(member, "deployment", f.deployment_fields()), "vote", "deployment");
}

TEST(Segregation, WhoDeployedMayNotSignTheAcceptance) {
  Flow f("maintenance");
  const User both = UserBuilder("both").role("release_operator").role_for("functional_user", kSys);
  ASSERT_TRUE(f.advance_to("approved"));
  ASSERT_TRUE(f.record(f.who.op, "backup", {{"what", "db"}, {"where", "/b"}, {"sha256", std::string(64, 'a')}}));
  ASSERT_TRUE(f.record(both, "deployment", f.deployment_fields()));
  ASSERT_TRUE(f.advance_to("verified"));
  f.skip = {"cosign"};
  ASSERT_TRUE(f.record(f.who.op, "baseline", {}));
  ASSERT_TRUE(f.record(f.who.qa, "cosign", {{"note", "ok"}}));
  ASSERT_TRUE(f.record(f.who.prod, "cosign", {{"note", "ok"}}));
  expect_segregation_refusal(f.try_act(both, "accept"), "deployment", "accept");
  EXPECT_TRUE(Allowed(f.try_act(f.who.fu, "accept")));
}

TEST(Segregation, HoldsAcrossRoundsOfTheSameRequest) {
  // The QA lead who accepted before a return still may not approve after the second round.
  Flow f("maintenance");
  const User both = UserBuilder("both").role("qa_lead").role("it_chief");
  ASSERT_TRUE(f.advance_to("in_qa"));
  ASSERT_TRUE(f.act(both, "qa_accept"));
  ASSERT_TRUE(f.advance_to("submitted"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "db scripts missing an index"));
  ASSERT_TRUE(f.upload("db_scripts", "db_scripts.pdf", "with index"));
  ASSERT_TRUE(f.act(f.who.qa, "reopen_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_accept"));  // another QA lead this time
  ASSERT_TRUE(f.advance_to("pre_approved"));
  expect_segregation_refusal(f.try_act(both, "approve"), "qa_accept", "approve");
}

TEST(Segregation, DoesNotApplyAcrossRequests) {
  // Requesting QA on one request does not bar accepting QA on another one.
  Flow a("project");
  const User both = UserBuilder("both").role_for("project_lead", kSys).role("qa_lead");
  ASSERT_TRUE(a.act(both, "request_qa"));
  Flow b("project");
  ASSERT_TRUE(b.act(b.who.pl, "request_qa"));
  EXPECT_TRUE(Allowed(b.try_act(both, "qa_accept")));
}

TEST(Segregation, IsReportedBeforeGuards) {
  Flow f("project");
  const User both = UserBuilder("both").role_for("project_lead", kSys).role("qa_lead");
  ASSERT_TRUE(f.act(both, "request_qa"));
  f.clear_slot("qa_acceptance");  // the guard would refuse too
  EXPECT_TRUE(Refused(f.try_act(both, "qa_accept"), Code::permission_denied, "segregation"));
}

TEST(Segregation, ShowsInActionOptions) {
  Flow f("project");
  const User both = UserBuilder("both").role_for("project_lead", kSys).role("qa_lead");
  ASSERT_TRUE(f.act(both, "request_qa"));
  bool seen = false;
  for (const auto& o : action_options(f.sit(), both)) {
    if (o.action != "qa_accept") continue;
    seen = true;
    EXPECT_FALSE(o.allowed);
    ASSERT_TRUE(o.reason.has_value());
    EXPECT_EQ(o.reason->id, "segregation");
  }
  EXPECT_TRUE(seen);
}

}  // namespace
}  // namespace pasaprod::test
