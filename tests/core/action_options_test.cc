// action_options: the actions possible from the current state, each allowed or not for the
// actor, with the reason; note guards are not held against an option.
#include <gtest/gtest.h>

#include <map>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

std::map<std::string, ActionOption> options(const Flow& f, const User& u) {
  std::map<std::string, ActionOption> out;
  for (auto& o : action_options(f.sit(), u)) out.emplace(o.action, o);
  return out;
}

TEST(ActionOptions, ListsOnlyActionsPossibleFromTheCurrentState) {
  Flow f("project");
  auto o = options(f, f.who.pl);
  EXPECT_EQ(o.size(), 2u);
  ASSERT_TRUE(o.count("request_qa"));
  ASSERT_TRUE(o.count("cancel"));
  EXPECT_EQ(o["request_qa"].to, "in_qa");
  EXPECT_EQ(o["cancel"].to, "cancelled");
}

TEST(ActionOptions, AllowedWhenRoleAndGuardsAreSatisfied) {
  Flow f("project");
  auto o = options(f, f.who.pl);
  EXPECT_TRUE(o["request_qa"].allowed);
  EXPECT_FALSE(o["request_qa"].reason.has_value());
  EXPECT_FALSE(o["request_qa"].needs_note);
  EXPECT_FALSE(o["request_qa"].irreversible);
}

TEST(ActionOptions, NoteActionsAreAllowedWithoutNoteButSayTheyNeedOne) {
  Flow f("project");
  auto o = options(f, f.who.pl);  // the requester may cancel
  EXPECT_TRUE(o["cancel"].allowed);
  EXPECT_TRUE(o["cancel"].needs_note);
  EXPECT_TRUE(o["cancel"].irreversible);
}

TEST(ActionOptions, NotAllowedWithTheRoleReason) {
  Flow f("project");
  auto o = options(f, f.who.qa);
  EXPECT_FALSE(o["request_qa"].allowed);
  ASSERT_TRUE(o["request_qa"].reason.has_value());
  EXPECT_EQ(o["request_qa"].reason->code, Code::permission_denied);
  EXPECT_EQ(o["request_qa"].reason->id, "role.required");
  EXPECT_FALSE(o["cancel"].allowed);
}

TEST(ActionOptions, NotAllowedWithTheGuardReason) {
  Flow f("project");
  f.clear_slot("qa_acceptance");
  ASSERT_TRUE(f.advance_to("in_qa"));
  auto o = options(f, f.who.qa);
  EXPECT_EQ(o.size(), 3u);  // qa_observe, qa_accept, cancel
  EXPECT_FALSE(o["qa_accept"].allowed);
  ASSERT_TRUE(o["qa_accept"].reason.has_value());
  EXPECT_EQ(o["qa_accept"].reason->id, "guard.slot_empty");
  EXPECT_TRUE(o["qa_observe"].allowed);
  EXPECT_TRUE(o["qa_observe"].needs_note);
  EXPECT_EQ(o["qa_observe"].to, "draft");
}

TEST(ActionOptions, EmergencyInCommitteeForACommitteeMember) {
  Flow f("emergency");
  f.skip = {"votes"};
  ASSERT_TRUE(f.advance_to("committee"));
  auto o = options(f, f.who.c1);
  ASSERT_TRUE(o.count("committee_approve"));
  ASSERT_TRUE(o.count("reject"));
  ASSERT_TRUE(o.count("cancel"));
  EXPECT_EQ(o.count("return_to_qa"), 0u);
  EXPECT_EQ(o.count("pre_approve"), 0u);
  EXPECT_FALSE(o["committee_approve"].allowed);
  EXPECT_EQ(o["committee_approve"].reason->id, "guard.quorum_approve");
  EXPECT_FALSE(o["reject"].allowed);
  EXPECT_EQ(o["reject"].reason->id, "guard.quorum_reject");
  EXPECT_EQ(o["cancel"].reason->id, "role.required");
  ASSERT_TRUE(f.record(f.who.c1, "vote", {{"decision", "approve"}}));
  ASSERT_TRUE(f.record(f.who.c2, "vote", {{"decision", "approve"}}));
  EXPECT_TRUE(options(f, f.who.c1)["committee_approve"].allowed);
}

TEST(ActionOptions, FinalStateHasNoOptions) {
  Flow f("maintenance");
  ASSERT_TRUE(f.act(f.who.pl, "cancel", "duplicate request"));
  EXPECT_TRUE(action_options(f.sit(), f.who.prod).empty());
}

TEST(ActionOptions, AgreesWithPlanActionAlongTheHappyPath) {
  // Whatever action_options allows, plan_action (with a note) allows, and vice versa.
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    Flow f(kind);
    const Cast& c = f.who;
    const std::vector<const User*> everyone = {&c.pl, &c.qa, &c.op, &c.prod, &c.dba, &c.sec, &c.infra,
                                               &c.asi, &c.chief, &c.fu, &c.c1, &c.pmo, &c.admin};
    for (const auto& state : builtin().kind(kind)->path) {
      ASSERT_TRUE(f.advance_to(state)) << kind;
      for (const User* u : everyone) {
        for (const auto& o : action_options(f.sit(), *u)) {
          SCOPED_TRACE(std::string(kind) + " " + state + " " + u->username + " " + o.action);
          auto plan = f.try_act(*u, o.action, "a note");
          EXPECT_EQ(o.allowed, plan.ok()) << (plan.ok() ? std::string("plan ok") : describe(plan.error()));
          if (!o.allowed && !plan.ok()) {
            EXPECT_EQ(o.reason->id, plan.error().id);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace pasaprod::test
