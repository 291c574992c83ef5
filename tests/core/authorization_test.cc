// plan_action's refusals other than guards: unknown action, wrong state, missing R role
// (office-wide and per-system roles, the `requester` pseudo-role), the order of the checks, and
// that note-requiring actions turn the note into an observation. Also the RACI rows of SPEC §4.3.
#include <gtest/gtest.h>

#include <set>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

// --- the lifecycle table of SPEC §4.3 ------------------------------------------------------------

struct RaciRow {
  std::string action;
  std::vector<std::string> kinds;
  std::vector<std::string> from;
  std::string to;
  std::set<std::string> R;
};

TEST(Raci, EveryRowOfSpecTableIsInTheBuiltinProcedure) {
  const std::vector<std::string> pm = {"project", "maintenance"};
  const std::vector<std::string> all = {"project", "maintenance", "emergency"};
  const std::vector<RaciRow> rows = {
      {"request_qa", pm, {"draft"}, "in_qa", {"project_lead"}},
      {"qa_observe", pm, {"in_qa"}, "draft", {"qa_lead"}},
      {"qa_accept", pm, {"in_qa"}, "qa_approved", {"qa_lead"}},
      {"request_production", pm, {"qa_approved"}, "submitted", {"qa_lead"}},
      {"request_committee", {"emergency"}, {"draft"}, "committee", {"qa_lead", "production_lead", "project_lead"}},
      {"validate", all, {"submitted"}, "validated", {"release_operator", "production_lead"}},
      {"return_to_qa", all, {"submitted", "validated"}, "returned", {"release_operator", "production_lead"}},
      {"return_to_qa", all, {"pending_approval"}, "returned", {"release_operator", "production_lead", "asi_head", "it_chief"}},
      {"return_to_qa", pm, {"pre_approved"}, "returned", {"release_operator", "production_lead", "asi_head", "it_chief"}},
      {"resubmit", pm, {"returned"}, "submitted", {"qa_lead"}},
      {"reopen_qa", pm, {"returned"}, "in_qa", {"qa_lead"}},
      {"prepare_report", pm, {"validated"}, "pending_approval", {"release_operator", "production_lead"}},
      {"prepare_report", {"emergency"}, {"validated"}, "approved", {"release_operator", "production_lead"}},
      {"pre_approve", pm, {"pending_approval"}, "pre_approved", {"asi_head"}},
      {"approve", pm, {"pre_approved"}, "approved", {"it_chief"}},
      {"committee_approve", {"emergency"}, {"committee"}, "submitted", {"emergency_committee"}},
      {"reject", pm, {"pending_approval", "pre_approved"}, "rejected", {"asi_head", "it_chief"}},
      {"reject", {"emergency"}, {"committee"}, "rejected", {"emergency_committee"}},
      {"deploy", all, {"approved"}, "deployed", {"release_operator"}},
      {"verify", all, {"deployed"}, "verified", {"release_operator"}},
      {"rollback", all, {"deployed", "verified"}, "rolled_back", {"release_operator"}},
      {"accept", pm, {"verified"}, "closed", {"functional_user"}},
      {"close", {"emergency"}, {"verified"}, "closed", {"production_lead"}},
      {"cancel", all, {"draft", "submitted", "returned", "validated", "pending_approval"}, "cancelled", {"requester", "production_lead"}},
      {"cancel", {"emergency"}, {"committee"}, "cancelled", {"requester", "production_lead"}},
      {"cancel", all, {"approved"}, "cancelled", {"it_chief", "production_lead"}},
      {"cancel", pm, {"in_qa", "qa_approved", "pre_approved"}, "cancelled", {"requester", "production_lead"}},
  };
  const Procedure& p = builtin();
  for (const auto& row : rows) {
    for (const auto& kind : row.kinds) {
      for (const auto& from : row.from) {
        SCOPED_TRACE(row.action + " " + kind + " from " + from);
        const ActionDef* def = p.action(row.action, kind, from);
        ASSERT_NE(def, nullptr);
        EXPECT_EQ(def->to, row.to);
        EXPECT_EQ(std::set<std::string>(def->R.begin(), def->R.end()), row.R);
      }
    }
  }
}

TEST(Raci, EmergencySkipsTheQaPassAndTheAsiAndChiefApprovals) {
  const Procedure& p = builtin();
  for (const char* action : {"request_qa", "qa_observe", "qa_accept", "reopen_qa", "pre_approve", "approve", "accept"}) {
    EXPECT_EQ(p.any_action(action, "emergency"), nullptr) << action;
  }
  for (const char* action : {"committee_approve", "close"}) {
    EXPECT_EQ(p.any_action(action, "project"), nullptr) << action;
    EXPECT_EQ(p.any_action(action, "maintenance"), nullptr) << action;
  }
}

TEST(Raci, CancelIsPossibleFromEveryStateBeforeDeployedAndNoneAfter) {
  const Procedure& p = builtin();
  for (const char* kind : {"project", "maintenance"}) {
    for (const char* s : {"draft", "in_qa", "qa_approved", "submitted", "returned", "validated", "pending_approval", "pre_approved",
                          "approved"}) {
      EXPECT_NE(p.action("cancel", kind, s), nullptr) << kind << " " << s;
    }
  }
  EXPECT_EQ(p.action("cancel", "project", "approved")->R, (std::vector<std::string>{"it_chief", "production_lead"}));
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    for (const char* s : {"deployed", "verified", "closed", "rolled_back", "rejected", "cancelled"}) {
      EXPECT_EQ(p.action("cancel", kind, s), nullptr) << kind << " " << s;
    }
  }
}

TEST(Raci, NoActionLeavesAFinalState) {
  const Procedure& p = builtin();
  for (const auto& a : p.actions) {
    for (const auto& f : a.from) EXPECT_FALSE(p.is_final(f)) << a.code << " from " << f;
  }
}

// --- unknown action / wrong state ---------------------------------------------------------------

TEST(PlanAction, UnknownActionIsInvalidArgument) {
  Flow f("project");
  auto r = f.try_act(f.who.pl, "frobnicate");
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "action.unknown"));
  EXPECT_EQ(r.error().detail("action"), "frobnicate");
  EXPECT_NE(r.error().en.find("request_qa"), std::string::npos) << "lists the actions: " << r.error().en;
}

TEST(PlanAction, ActionOfAnotherKindIsInvalidArgument) {
  Flow f("emergency");
  EXPECT_TRUE(Refused(f.try_act(f.who.pl, "request_qa"), Code::invalid_argument, "action.unknown"));
  EXPECT_TRUE(Refused(f.try_act(f.who.asi, "pre_approve"), Code::invalid_argument, "action.unknown"));
  Flow p("project");
  EXPECT_TRUE(Refused(p.try_act(p.who.c1, "committee_approve"), Code::invalid_argument, "action.unknown"));
  EXPECT_TRUE(Refused(p.try_act(p.who.prod, "close"), Code::invalid_argument, "action.unknown"));
}

TEST(PlanAction, WrongStateIsConflict) {
  Flow f("project");
  auto r = f.try_act(f.who.qa, "qa_accept");
  ASSERT_TRUE(Refused(r, Code::conflict, "action.state_conflict"));
  EXPECT_EQ(r.error().detail("state"), "draft");
  EXPECT_EQ(r.error().detail("action"), "qa_accept");
  EXPECT_NE(r.error().en.find("PP-2026-0042"), std::string::npos);
  EXPECT_NE(r.error().es.find("Borrador"), std::string::npos);
}

TEST(PlanAction, ActionFromFinalStateIsConflict) {
  Flow f("project");
  ASSERT_TRUE(f.act(f.who.pl, "cancel", "no longer needed"));
  EXPECT_EQ(f.rel.state, "cancelled");
  for (const char* action : {"request_qa", "cancel", "deploy", "accept"}) {
    EXPECT_TRUE(Refused(f.try_act(f.who.prod, action, "x"), Code::conflict, "action.state_conflict")) << action;
  }
}

TEST(PlanAction, ApprovedIsCancelledOnlyByTheItChiefOrProductionLeadAndDeployedNotAtAll) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("approved"));
  EXPECT_TRUE(Refused(f.try_act(f.who.pl, "cancel", "not needed"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_act(f.who.prod, "cancel", ""), Code::failed_precondition, "guard.note_required"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "cancel", "superseded by an emergency")));
  ASSERT_TRUE(f.advance_to("deployed"));
  EXPECT_TRUE(Refused(f.try_act(f.who.prod, "cancel", "too late"), Code::conflict, "action.state_conflict"));
}

TEST(PlanAction, WrongStateIsReportedBeforeMissingRole) {
  Flow f("project");
  EXPECT_TRUE(Refused(f.try_act(f.who.nobody, "approve"), Code::conflict, "action.state_conflict"));
}

TEST(PlanAction, MissingRoleIsReportedBeforeFailingGuards) {
  Flow f("project", /*fill=*/false);
  ASSERT_TRUE(f.upload("source_code", "a.zip", "a"));
  ASSERT_TRUE(f.act(f.who.pl, "request_qa"));
  // qa_acceptance is empty (guard fails) but the project lead lacks qa_lead first.
  EXPECT_TRUE(Refused(f.try_act(f.who.pl, "qa_accept"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_act(f.who.qa, "qa_accept"), Code::failed_precondition, "guard.slot_empty"));
}

// --- authorization -----------------------------------------------------------------------------

TEST(Authorization, ActorWithoutRRoleIsDeniedNamingTheRole) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("in_qa"));
  auto r = f.try_act(f.who.pl, "qa_accept");
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_EQ(details(r.error(), "required_role"), std::vector<std::string>{"qa_lead"});
  EXPECT_NE(r.error().en.find("QA lead"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("Responsable de Control de Calidad"), std::string::npos) << r.error().es;
}

TEST(Authorization, EveryRoleOutsideRIsDenied) {
  // At approval: only the IT chief approves; nobody else, admin included.
  Flow f("project");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  const Cast& c = f.who;
  for (const User* u : {&c.pl, &c.qa, &c.op, &c.prod, &c.dba, &c.sec, &c.infra, &c.asi, &c.fu, &c.c1, &c.pmo, &c.admin, &c.nobody}) {
    auto r = f.try_act(*u, "approve");
    EXPECT_TRUE(Refused(r, Code::permission_denied, "role.required")) << u->username;
    if (!r) {
      EXPECT_TRUE(has_detail(r.error(), "required_role", "it_chief"));
    }
  }
  EXPECT_TRUE(Allowed(f.try_act(c.chief, "approve")));
}

TEST(Authorization, AdminHasNoSayInAnyRelease) {
  Flow f("maintenance");
  const User admin = f.who.admin;
  for (const auto& state : {"draft", "in_qa", "qa_approved", "submitted", "validated", "pending_approval", "pre_approved", "approved"}) {
    ASSERT_TRUE(f.advance_to(state));
    for (const auto& o : action_options(f.sit(), admin)) EXPECT_FALSE(o.allowed) << state << " " << o.action;
  }
}

TEST(Authorization, PerSystemRoleHoldsOnlyForItsSystem) {
  Flow f("project");
  const User other_lead = UserBuilder("other_pl").role_for("project_lead", kOther);
  auto r = f.try_act(other_lead, "request_qa");
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_TRUE(has_detail(r.error(), "required_role", "project_lead"));
  EXPECT_NE(r.error().en.find("(for system SIAGIE)"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("(para el sistema SIAGIE)"), std::string::npos) << r.error().es;
  const User both = UserBuilder("both_pl").role_for("project_lead", kOther).role_for("project_lead", kSys);
  EXPECT_TRUE(Allowed(f.try_act(both, "request_qa")));
}

TEST(Authorization, FunctionalUserOfAnotherSystemCannotAccept) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("closed"));  // the happy path works with fu of SIAGIE
  Flow g("maintenance");
  ASSERT_TRUE(g.advance_to("verified"));
  ASSERT_TRUE(g.record(g.who.op, "baseline", {}));
  ASSERT_TRUE(g.record(g.who.qa, "cosign", {{"note", "ok"}}));
  ASSERT_TRUE(g.record(g.who.prod, "cosign", {{"note", "ok"}}));
  const User other_fu = UserBuilder("other_fu").role_for("functional_user", kOther);
  auto r = g.try_act(other_fu, "accept");
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_TRUE(has_detail(r.error(), "required_role", "functional_user"));
  EXPECT_TRUE(Allowed(g.try_act(g.who.fu, "accept")));
}

TEST(Authorization, OfficeWideRoleHoldsForEverySystem) {
  Flow f("project");
  f.rel.system = kOther;  // the same QA lead works on every system
  f.rel.requester = "pl";
  const User lead_other = UserBuilder("pl2").role_for("project_lead", kOther);
  ASSERT_TRUE(f.act(lead_other, "request_qa"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.qa, "qa_accept")));
}

TEST(Authorization, InactiveUserIsDeniedEvenWithTheRole) {
  Flow f("project");
  const User gone = UserBuilder("gone").role_for("project_lead", kSys).inactive();
  EXPECT_TRUE(Refused(f.try_act(gone, "request_qa"), Code::permission_denied, "role.required"));
}

TEST(Authorization, RequesterMayCancelWithoutAnyRole) {
  Flow f("project");
  f.rel.requester = "former_lead";
  const User requester = UserBuilder("former_lead");  // lost the project_lead role since
  EXPECT_TRUE(Allowed(f.try_act(requester, "cancel", "the project was stopped")));
}

TEST(Authorization, ProductionLeadMayCancelAnyRequest) {
  Flow f("maintenance");
  ASSERT_TRUE(f.advance_to("pre_approved"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "cancel", "superseded by 2.5")));
}

TEST(Authorization, OtherProjectLeadWhoIsNotRequesterCannotCancel) {
  Flow f("project");
  const User colleague = UserBuilder("colleague").role_for("project_lead", kSys);
  auto r = f.try_act(colleague, "cancel", "mine now");
  ASSERT_TRUE(Refused(r, Code::permission_denied, "role.required"));
  EXPECT_EQ(details(r.error(), "required_role"), (std::vector<std::string>{"requester", "production_lead"}));
  EXPECT_NE(r.error().es.find("solicitante"), std::string::npos) << r.error().es;
}

TEST(Authorization, AsiHeadAndChiefReturnOnlyFromApprovalStates) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("submitted"));
  EXPECT_TRUE(Refused(f.try_act(f.who.asi, "return_to_qa", "x"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_act(f.who.chief, "return_to_qa", "x"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.op, "return_to_qa", "x")));
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "return_to_qa", "x")));
  ASSERT_TRUE(f.advance_to("pending_approval"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.asi, "return_to_qa", "observations instead of rejection")));
  ASSERT_TRUE(f.advance_to("pre_approved"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.chief, "return_to_qa", "observations instead of rejection")));
}

TEST(Authorization, EmergencyGoesToTheCommitteeByQaLeadProductionLeadOrProjectLead) {
  Flow f("emergency");
  EXPECT_TRUE(Allowed(f.try_act(f.who.qa, "request_committee")));
  EXPECT_TRUE(Allowed(f.try_act(f.who.prod, "request_committee")));
  EXPECT_TRUE(Allowed(f.try_act(f.who.pl, "request_committee")));
  EXPECT_TRUE(Refused(f.try_act(f.who.op, "request_committee"), Code::permission_denied, "role.required"));
}

TEST(Authorization, OnlyCommitteeApprovesEmergency) {
  Flow f("emergency");
  f.skip = {"votes"};
  ASSERT_TRUE(f.advance_to("committee"));
  ASSERT_TRUE(f.record(f.who.c1, "vote", {{"decision", "approve"}}));
  ASSERT_TRUE(f.record(f.who.c2, "vote", {{"decision", "approve"}}));
  EXPECT_TRUE(Refused(f.try_act(f.who.chief, "committee_approve"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Refused(f.try_act(f.who.prod, "committee_approve"), Code::permission_denied, "role.required"));
  EXPECT_TRUE(Allowed(f.try_act(f.who.c3, "committee_approve")));
}

TEST(Authorization, RolesPhraseJoinsRolesInTheLanguage) {
  const Procedure& p = builtin();
  EXPECT_EQ(roles_phrase(p, {"qa_lead", "production_lead"}, kSys, Lang::en), "QA lead or Production lead");
  EXPECT_EQ(roles_phrase(p, {"qa_lead", "production_lead"}, kSys, Lang::es),
            "Responsable de Control de Calidad o Responsable del Equipo de Producción");
  EXPECT_EQ(roles_phrase(p, {"functional_user"}, kSys, Lang::en), "Functional user (for system SIAGIE)");
  EXPECT_EQ(roles_phrase(p, {"asi_head", "it_chief", "emergency_committee"}, "", Lang::en),
            "Head of Information Systems, IT chief or Emergency release committee");
}

TEST(Authorization, HoldsAnyChecksPerSystemAndRequester) {
  const Procedure& p = builtin();
  const Release r = ReleaseBuilder("project").requester("ana");
  EXPECT_TRUE(holds_any(p, UserBuilder("ana"), r, {"requester"}));
  EXPECT_FALSE(holds_any(p, UserBuilder("bob"), r, {"requester"}));
  EXPECT_TRUE(holds_any(p, UserBuilder("x").role_for("functional_user", kSys), r, {"functional_user"}));
  EXPECT_FALSE(holds_any(p, UserBuilder("x").role_for("functional_user", kOther), r, {"functional_user"}));
  EXPECT_TRUE(holds_any(p, UserBuilder("x").role("qa_lead"), r, {"it_chief", "qa_lead"}));
  EXPECT_FALSE(holds_any(p, UserBuilder("x").role("qa_lead"), r, {}));
  EXPECT_FALSE(holds_any(p, UserBuilder("x").role("qa_lead"), r, {"no_such_role"}));
}

// --- notes and observations ---------------------------------------------------------------------

TEST(Notes, ExactlyTheActionsOfSpecRequireANote) {
  std::set<std::string> with_note;
  for (const auto& a : builtin().actions) {
    for (const auto& g : a.guards) {
      if (g.name == "note") with_note.insert(a.code);
    }
  }
  EXPECT_EQ(with_note, (std::set<std::string>{"qa_observe", "return_to_qa", "reject", "cancel"}));
}

TEST(Notes, NoteRequiredActionWithoutNoteIsRefused) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("in_qa"));
  for (const char* note : {"", "   ", "\n\t "}) {
    auto r = f.try_act(f.who.qa, "qa_observe", note);
    ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.note_required")) << "\"" << note << "\"";
    EXPECT_NE(r.error().en.find("observation"), std::string::npos);
  }
}

TEST(Notes, NoteBecomesAnObservationWithAuthorTimeAndFromState) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("in_qa"));
  auto plan = f.try_act(f.who.qa, "qa_observe", "  login fails with accents \n");
  ASSERT_TRUE(Allowed(plan));
  ASSERT_TRUE(plan->observation.has_value());
  EXPECT_EQ(plan->observation->text, "login fails with accents");
  EXPECT_EQ(plan->observation->by, "qa");
  EXPECT_EQ(plan->observation->at, f.now);
  EXPECT_EQ(plan->observation->from_state, "in_qa");
  EXPECT_EQ(plan->observation->action, "qa_observe");
  EXPECT_EQ(plan->transition.note, "login fails with accents");
  EXPECT_EQ(plan->transition.from, "in_qa");
  EXPECT_EQ(plan->transition.to, "draft");
}

TEST(Notes, EveryNoteActionCreatesAnObservation) {
  struct Case {
    std::string kind, state, action;
    User (*who)(const Cast&);
  };
  const std::vector<Case> cases = {
      {"project", "in_qa", "qa_observe", [](const Cast& c) { return c.qa; }},
      {"project", "submitted", "return_to_qa", [](const Cast& c) { return c.op; }},
      {"project", "validated", "return_to_qa", [](const Cast& c) { return c.prod; }},
      {"project", "pending_approval", "return_to_qa", [](const Cast& c) { return c.asi; }},
      {"project", "pending_approval", "reject", [](const Cast& c) { return c.asi; }},
      {"maintenance", "pre_approved", "reject", [](const Cast& c) { return c.chief; }},
      {"maintenance", "draft", "cancel", [](const Cast& c) { return c.pl; }},
      {"emergency", "submitted", "cancel", [](const Cast& c) { return c.prod; }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.kind + " " + c.state + " " + c.action);
    Flow f(c.kind);
    ASSERT_TRUE(f.advance_to(c.state));
    const User actor = c.who(f.who);
    EXPECT_TRUE(Refused(f.try_act(actor, c.action, ""), Code::failed_precondition, "guard.note_required"));
    auto plan = f.try_act(actor, c.action, "because");
    ASSERT_TRUE(Allowed(plan));
    ASSERT_TRUE(plan->observation.has_value());
    EXPECT_EQ(plan->observation->from_state, c.state);
  }
}

TEST(Notes, ActionsWithoutNoteGuardCreateNoObservation) {
  Flow f("project");
  auto plan = f.try_act(f.who.pl, "request_qa", "optional comment");
  ASSERT_TRUE(Allowed(plan));
  EXPECT_FALSE(plan->observation.has_value());
  EXPECT_EQ(plan->transition.note, "optional comment");
}

TEST(PlanAction, PlanCarriesTheTransitionToApply) {
  Flow f("project");
  auto plan = f.try_act(f.who.pl, "request_qa");
  ASSERT_TRUE(Allowed(plan));
  ASSERT_NE(plan->def, nullptr);
  EXPECT_EQ(plan->def->code, "request_qa");
  EXPECT_EQ(plan->transition.action, "request_qa");
  EXPECT_EQ(plan->transition.from, "draft");
  EXPECT_EQ(plan->transition.to, "in_qa");
  EXPECT_EQ(plan->transition.by, "pl");
  EXPECT_EQ(plan->transition.at, f.now);
  EXPECT_EQ(plan->transition.manifest_sha256, manifest_sha256(f.rel));
}

}  // namespace
}  // namespace pasaprod::test
