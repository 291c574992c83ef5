// The emergency committee's quorum (SPEC §4.3, 7c/7d): majority of the members by default, a
// numeric setting overrides it; only the latest fresh vote of each member counts.
#include <gtest/gtest.h>

#include "core_test_util.h"
#include "util/sha256.h"

namespace pasaprod::test {
namespace {

class Quorum : public ::testing::Test {
 protected:
  Quorum() : f("emergency") {}
  void SetUp() override {
    f.skip = {"votes"};
    ASSERT_TRUE(f.advance_to("committee"));
  }
  void vote(const User& u, const std::string& decision) { ASSERT_TRUE(f.record(u, "vote", {{"decision", decision}, {"note", "n"}})); }
  Flow f;
};

TEST_F(Quorum, MajorityOfThreeMembersIsTwo) {
  f.committee = {"c1", "c2", "c3"};
  EXPECT_EQ(committee_quorum(f.sit()), 2);
  vote(f.who.c1, "approve");
  auto r = f.try_act(f.who.c1, "committee_approve");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.quorum_approve"));
  EXPECT_EQ(r.error().detail("quorum"), "2");
  EXPECT_EQ(r.error().detail("votes"), "1");
  EXPECT_NE(r.error().en.find("needs 2 votes in favour and has 1"), std::string::npos) << r.error().en;
  vote(f.who.c2, "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.c1, "committee_approve")));
}

TEST_F(Quorum, MajorityOfFourMembersIsThree) {
  f.committee = {"c1", "c2", "c3", "c4"};
  EXPECT_EQ(committee_quorum(f.sit()), 3);
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  auto r = f.try_act(f.who.c3, "committee_approve");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.quorum_approve"));
  EXPECT_EQ(r.error().detail("quorum"), "3");
  vote(f.who.c4, "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.c3, "committee_approve")));
}

TEST_F(Quorum, MajorityOfOneMemberIsOne) {
  f.committee = {"c1"};
  EXPECT_EQ(committee_quorum(f.sit()), 1);
}

TEST_F(Quorum, NumericSettingOverridesTheMajority) {
  f.committee = {"c1", "c2", "c3", "c4"};
  f.quorum_setting = "2";
  EXPECT_EQ(committee_quorum(f.sit()), 2);
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.c1, "committee_approve")));
  f.quorum_setting = "4";
  EXPECT_TRUE(Refused(f.try_act(f.who.c1, "committee_approve"), Code::failed_precondition, "guard.quorum_approve"));
}

TEST_F(Quorum, MajoritySettingAndUnusableSettingsMeanMajority) {
  f.committee = {"c1", "c2", "c3", "c4"};
  for (const char* setting : {"", "majority", "0", "-2", "many"}) {
    f.quorum_setting = setting;
    EXPECT_EQ(committee_quorum(f.sit()), 3) << "\"" << setting << "\"";
  }
}

TEST_F(Quorum, ProcedureNumericDefaultApplies) {
  Procedure p = builtin();
  p.committee_quorum = "1";
  Situation s = f.sit();
  s.proc = &p;
  EXPECT_EQ(committee_quorum(s), 1);
  s.quorum_setting = "3";
  EXPECT_EQ(committee_quorum(s), 3);
}

TEST_F(Quorum, StaleVotesDoNotCount) {
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(2, 0));
  // The deliverables are frozen in committee; were they to change (data edited behind pasaprod's
  // back), the votes were on the old manifest and count no more.
  f.rel.files.push_back(make_file("technical_report", "addendum.pdf", "with root cause"));
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(0, 0));
  auto r = f.try_act(f.who.c1, "committee_approve");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.quorum_approve"));
  EXPECT_EQ(r.error().detail("votes"), "0");
  vote(f.who.c1, "approve");
  vote(f.who.c3, "approve");
  EXPECT_TRUE(Allowed(f.try_act(f.who.c1, "committee_approve")));
}

TEST_F(Quorum, VotesOfNonMembersDoNotCount) {
  // c4 holds the role but is not on this committee.
  f.committee = {"c1", "c2", "c3"};
  vote(f.who.c1, "approve");
  vote(f.who.c4, "approve");
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(1, 0));
  EXPECT_TRUE(Refused(f.try_act(f.who.c1, "committee_approve"), Code::failed_precondition, "guard.quorum_approve"));
}

TEST_F(Quorum, LatestVotePerMemberCounts) {
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  vote(f.who.c1, "reject");  // c1 changed their mind
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(1, 1));
  EXPECT_TRUE(Refused(f.try_act(f.who.c2, "committee_approve"), Code::failed_precondition, "guard.quorum_approve"));
  vote(f.who.c1, "approve");
  vote(f.who.c1, "approve");  // voting twice the same way counts once
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(2, 0));
  EXPECT_TRUE(Allowed(f.try_act(f.who.c2, "committee_approve")));
}

TEST_F(Quorum, RejectNeedsRejectVotesAndANote) {
  vote(f.who.c1, "reject");
  auto r = f.try_act(f.who.c1, "reject", "no evidence the fix works");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.quorum_reject"));
  EXPECT_NE(r.error().en.find("votes against"), std::string::npos) << r.error().en;
  vote(f.who.c2, "reject");
  EXPECT_TRUE(Refused(f.try_act(f.who.c1, "reject", ""), Code::failed_precondition, "guard.note_required"));
  auto ok = f.try_act(f.who.c1, "reject", "no evidence the fix works");
  ASSERT_TRUE(Allowed(ok));
  EXPECT_EQ(ok->transition.to, "rejected");
  ASSERT_TRUE(ok->observation.has_value());
}

TEST_F(Quorum, ApproveVotesDoNotReject) {
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  vote(f.who.c3, "approve");
  EXPECT_TRUE(Refused(f.try_act(f.who.c1, "reject", "changed mind"), Code::failed_precondition, "guard.quorum_reject"));
}

TEST_F(Quorum, VotesWithoutADecisionFieldAreIgnored) {
  Record broken;
  broken.type = "vote";
  broken.by = "c1";
  broken.manifest_sha256 = f.sit().manifest;
  f.rel.records.push_back(broken);
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(0, 0));
}

TEST_F(Quorum, QuorumReachedOnlyByStaleVotesIsRefusedDirectly) {
  vote(f.who.c1, "approve");
  vote(f.who.c2, "approve");
  for (auto& rec : f.rel.records) {
    if (rec.type == "vote") rec.manifest_sha256 = sha256_hex("older manifest");
  }
  EXPECT_EQ(committee_votes(f.sit()), std::make_pair(0, 0));
}

}  // namespace
}  // namespace pasaprod::test
