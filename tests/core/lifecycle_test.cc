// Whole lifecycles through the engine (SPEC §4.3): the happy path of each kind, and the ends
// rejected, cancelled and rolled back; every refused action leaves the request as it was.
#include <gtest/gtest.h>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

std::vector<std::string> visited(const Release& r) {
  std::vector<std::string> out{r.transitions.empty() ? r.state : r.transitions.front().from};
  for (const auto& t : r.transitions) out.push_back(t.to);
  return out;
}

TEST(Lifecycle, HappyPathOfEachKindFollowsItsDeclaredPath) {
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    SCOPED_TRACE(kind);
    Flow f(kind);
    ASSERT_TRUE(f.advance_to("closed"));
    EXPECT_EQ(visited(f.rel), builtin().kind(kind)->path);
    EXPECT_TRUE(action_options(f.sit(), f.who.prod).empty());
  }
}

TEST(Lifecycle, ProjectIsRejectedByTheItChiefWithAnObservation) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  ASSERT_TRUE(f.act(f.who.chief, "reject", "the installers are unsigned"));
  EXPECT_EQ(f.rel.state, "rejected");
  ASSERT_EQ(f.rel.observations.size(), 1u);
  EXPECT_EQ(f.rel.observations[0].from_state, "pre_approved");
  EXPECT_EQ(f.rel.observations[0].by, "chief");
}

TEST(Lifecycle, QaObservationSendsBackToDraftAndTheLoopRestarts) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("in_qa"));
  ASSERT_TRUE(f.act(f.who.qa, "qa_observe", "fails with 1000 students"));
  EXPECT_EQ(f.rel.state, "draft");
  ASSERT_TRUE(f.upload("source_code", "source_code.pdf", "fixed"));
  ASSERT_TRUE(f.advance_to("closed"));
  EXPECT_EQ(f.rel.observations.size(), 1u);
}

TEST(Lifecycle, ReturnedEmergencyIsResubmittedAndCompletes) {
  Flow f("emergency");
  ASSERT_TRUE(f.advance_to("validated"));
  ASSERT_TRUE(f.act(f.who.op, "return_to_qa", "db script drops a column"));
  ASSERT_TRUE(f.upload("db_scripts", "db_scripts.pdf", "no drop"));
  ASSERT_TRUE(f.act(f.who.qa, "resubmit"));
  ASSERT_TRUE(f.advance_to("closed"));
}

TEST(Lifecycle, FailedVerificationEndsInRollback) {
  Flow f("emergency");
  ASSERT_TRUE(f.advance_to("deployed"));
  ASSERT_TRUE(f.record(f.who.op, "verification", {{"result", "failed"}, {"evidence", "payments stop"}}));
  EXPECT_FALSE(f.act(f.who.op, "verify"));
  ASSERT_TRUE(f.record(f.who.op, "rollback", {{"result", "ok"}, {"note", "restored the backup of 10:05"}}));
  ASSERT_TRUE(f.act(f.who.op, "rollback"));
  EXPECT_EQ(f.rel.state, "rolled_back");
  EXPECT_TRUE(action_options(f.sit(), f.who.op).empty());
}

TEST(Lifecycle, RefusedActionLeavesTheRequestExactlyAsItWas) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  f.skip = {"backup"};
  const Release before = f.rel;
  for (const char* action : {"deploy", "cancel", "approve", "verify", "frobnicate"}) {
    auto r = f.try_act(f.who.op, action);
    EXPECT_FALSE(r.ok()) << action;
  }
  EXPECT_FALSE(f.act(f.who.op, "deploy"));
  EXPECT_EQ(f.rel.state, before.state);
  EXPECT_EQ(f.rel.transitions.size(), before.transitions.size());
  EXPECT_EQ(f.rel.records.size(), before.records.size());
  EXPECT_EQ(f.rel.observations.size(), before.observations.size());
  EXPECT_EQ(f.rel.row_version, before.row_version);
  EXPECT_EQ(manifest_sha256(f.rel), manifest_sha256(before));
}

}  // namespace
}  // namespace pasaprod::test
