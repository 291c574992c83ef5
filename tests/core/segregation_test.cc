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
                     {"committee_approve", "deploy"}}));
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
  f.deployed_manifest = manifest_sha256(f.rel);
  expect_segregation_refusal(f.try_act(both, "deploy"), "approve", "deploy");
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "deploy")));
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
