// The procedure loader: the built-in edition loads with the content of SPEC §2–§4; broken
// definitions are refused (invalid_argument, "procedure.invalid") with the file and the line.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/procedure_diff.h"
#include "core_test_util.h"

namespace pasaprod::test {
namespace {

constexpr const char* kFile = "procedures/test-edition.yaml";

// A small, valid definition: two roles, three states, one slot, one kind, two actions.
const std::string kMini = R"(edition: "T1"
title: {es: Prueba, en: Test}
roles:
  - {code: dev, es: Desarrollador, en: Developer}
  - {code: boss, administers: true, es: Jefe, en: Boss}
states:
  - {code: draft, es: Borrador, en: Draft}
  - {code: review, es: En revisión, en: In review}
  - {code: done, es: Hecho, en: Done, final: true}
initial_state: draft
production_states: [done]
deliverables_editable_in: [draft]
slots:
  - {code: doc, es: Documento, en: Document}
kinds:
  - {code: small, es: Pequeño, en: Small, version_rule: minor, opened_by: [dev], uploaders: [dev], slots: [doc]}
record_types:
  - {code: memo, es: Memo, en: Memo, by: [boss], keys: [note], states: [review], signoff: true}
actions:
  - code: send
    es: Enviar
    en: Send
    kinds: [small]
    from: [draft]
    to: review
    R: [dev]
    guards: ["slot_filled:doc"]
  - code: finish
    es: Terminar
    en: Finish
    kinds: [small]
    from: [review]
    to: done
    R: [boss]
    guards: ["fresh:memo", note]
segregation:
  - {first: send, then: finish}
)";

// 1-based line of the first occurrence of `needle` in `text` (0 when absent).
int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  if (pos == std::string::npos) return 0;
  return static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n')) + 1;
}

// `text` with the only occurrence of `from` replaced by `to`.
std::string mutate(const std::string& text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "fixture text not found: " << from;
  EXPECT_EQ(text.find(from, pos + 1), std::string::npos) << "fixture text not unique: " << from;
  if (pos == std::string::npos) return text;
  std::string out = text;
  out.replace(pos, from.size(), to);
  return out;
}

std::string builtin_text() { return std::string(builtin_procedure_yaml()); }

// Checks a refusal names the file and the expected line, in both languages and in details,
// and says `what` (English).
::testing::AssertionResult RefusedAt(const Result<Procedure>& p, int line, const std::string& what) {
  if (p.ok()) return ::testing::AssertionFailure() << "definition loaded; expected refusal: " << what;
  const Error& e = p.error();
  const std::string where = std::string(kFile) + ":" + std::to_string(line) + ": ";
  if (e.code != Code::invalid_argument || e.id != "procedure.invalid") {
    return ::testing::AssertionFailure() << "wrong code/id: " << describe(e);
  }
  if (e.en.rfind(where, 0) != 0 || e.es.rfind(where, 0) != 0) {
    return ::testing::AssertionFailure() << "message does not start with \"" << where << "\": " << e.en;
  }
  if (e.en.find(what) == std::string::npos) {
    return ::testing::AssertionFailure() << "message lacks \"" << what << "\": " << e.en;
  }
  if (e.detail("file") != kFile || e.detail("line") != std::to_string(line)) {
    return ::testing::AssertionFailure() << "details file/line wrong: " << describe(e);
  }
  return ::testing::AssertionSuccess();
}

Result<Procedure> load(const std::string& text) { return load_procedure(text, kFile); }

// --- the built-in edition ---------------------------------------------------------------------

TEST(BuiltinProcedure, LoadsWithoutErrors) {
  auto p = load_procedure(builtin_procedure_yaml(), kBuiltinProcedureName);
  ASSERT_TRUE(Allowed(p));
  EXPECT_EQ(p->edition, "02");
  EXPECT_EQ(p->approved_on, "2011-12-26");
  EXPECT_EQ(p->initial_state, "draft");
}

TEST(BuiltinProcedure, HasTheFourteenRolesOfSpec) {
  const Procedure& p = builtin();
  const std::set<std::string> expected = {"functional_user", "project_lead", "qa_lead", "dba", "security_officer",
                                          "release_operator", "infra_specialist", "production_lead", "asi_head",
                                          "agti_head", "it_chief", "pmo_specialist", "emergency_committee", "admin"};
  std::set<std::string> got;
  for (const auto& r : p.roles) got.insert(r.code);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(p.role("functional_user")->per_system);
  EXPECT_TRUE(p.role("project_lead")->per_system);
  EXPECT_FALSE(p.role("qa_lead")->per_system);
  EXPECT_FALSE(p.role("it_chief")->per_system);
}

TEST(BuiltinProcedure, HasTheStatesOfSpecWithTheFourEnds) {
  const Procedure& p = builtin();
  std::vector<std::string> got;
  for (const auto& s : p.states) got.push_back(s.code);
  EXPECT_EQ(got, (std::vector<std::string>{"draft", "committee", "in_qa", "qa_approved", "submitted", "returned", "validated",
                                           "pending_approval", "pre_approved", "approved", "deployed", "verified",
                                           "closed", "rolled_back", "rejected", "cancelled"}));
  for (const auto& s : p.states) {
    const bool end = s.code == "closed" || s.code == "rolled_back" || s.code == "rejected" || s.code == "cancelled";
    EXPECT_EQ(s.final, end) << s.code;
  }
  EXPECT_TRUE(p.is_production("verified"));
  EXPECT_TRUE(p.is_production("closed"));
  EXPECT_FALSE(p.is_production("deployed"));
  EXPECT_FALSE(p.is_production("rolled_back"));
}

TEST(BuiltinProcedure, RequiredDeliverablesPerKindMatchSpecTable) {
  const Procedure& p = builtin();
  EXPECT_EQ(p.kind("project")->slots,
            (std::vector<std::string>{"qa_to_prod_request", "project_charter", "project_plan", "install_manual", "user_manual",
                                      "system_manual", "training_record", "source_code", "executables", "installers",
                                      "db_scripts", "qa_acceptance"}));
  EXPECT_EQ(p.kind("maintenance")->slots,
            (std::vector<std::string>{"install_manual", "user_manual", "system_manual", "source_code", "executables",
                                      "installers", "db_scripts", "qa_acceptance", "backout_plan"}));
  EXPECT_EQ(p.kind("emergency")->slots,
            (std::vector<std::string>{"source_code", "db_scripts", "backout_plan", "technical_report",
                                      "emergency_committee_record"}));
  EXPECT_TRUE(p.slot("emergency_committee_record")->generated);
  EXPECT_FALSE(p.slot("source_code")->generated);
}

TEST(BuiltinProcedure, VersionRulesAndDeploymentStepsPerKind) {
  const Procedure& p = builtin();
  EXPECT_EQ(p.kind("project")->version_rule, "major");
  EXPECT_EQ(p.kind("maintenance")->version_rule, "minor");
  EXPECT_EQ(p.kind("emergency")->version_rule, "patch");
  EXPECT_EQ(p.kind("project")->deployment_steps,
            (std::vector<std::string>{"install_guide", "initial_data_load", "users_created"}));
  EXPECT_EQ(p.kind("maintenance")->deployment_steps, (std::vector<std::string>{"deployment_guide"}));
  EXPECT_EQ(p.kind("emergency")->deployment_steps, (std::vector<std::string>{"deployment_guide"}));
}

TEST(BuiltinProcedure, EditableStatesReviewAndCommittee) {
  const Procedure& p = builtin();
  EXPECT_EQ(p.editable_in, (std::vector<std::string>{"draft", "in_qa", "returned"}));
  EXPECT_EQ(p.review_states, (std::vector<std::string>{"submitted"}));
  EXPECT_EQ(p.committee_role, "emergency_committee");
  EXPECT_EQ(p.committee_quorum, "majority");
}

TEST(BuiltinProcedure, RecordTypesHaveTheRolesAndKeysOfSpec) {
  const Procedure& p = builtin();
  struct Row {
    std::string code;
    std::vector<std::string> by;
    std::vector<std::string> keys;
  };
  const std::vector<Row> rows = {
      {"window", {"release_operator", "production_lead"}, {"from", "to"}},
      {"dba_conformity", {"dba"}, {"note"}},
      {"infra_readiness", {"infra_specialist"}, {"note"}},
      {"security_conformity", {"security_officer"}, {"note"}},
      {"vote", {"emergency_committee"}, {"decision"}},
      {"backup", {"release_operator", "dba"}, {"what", "where", "sha256"}},
      {"deployment", {"release_operator"}, {"steps"}},
      {"db_deployment", {"dba"}, {"scripts", "result"}},
      {"consultation", {"consulted"}, {"opinion", "note"}},
      {"verification", {"release_operator"}, {"result", "evidence"}},
      {"rollback", {"release_operator"}, {"result", "note"}},
      {"inventory", {"release_operator"}, {"asset_id"}},
      {"ip_registration", {"production_lead"}, {"filed_on", "file_number"}},
      {"baseline", {"release_operator"}, {}},
      {"acceptance_refusal", {"functional_user"}, {"note"}},
      {"cosign", {"qa_lead", "production_lead"}, {"note"}},
  };
  ASSERT_EQ(p.record_types.size(), rows.size());
  for (const auto& row : rows) {
    const RecordTypeDef* def = p.record_type(row.code);
    ASSERT_NE(def, nullptr) << row.code;
    EXPECT_EQ(def->by, row.by) << row.code;
    EXPECT_EQ(def->keys, row.keys) << row.code;
  }
}

TEST(BuiltinProcedure, ChecklistIsWindowInfraSecurityAndDbaWhenDbScripts) {
  const Procedure& p = builtin();
  ASSERT_EQ(p.checklist.size(), 4u);
  EXPECT_EQ(p.checklist[0].record, "window");
  EXPECT_EQ(p.checklist[1].record, "infra_readiness");
  EXPECT_EQ(p.checklist[2].record, "security_conformity");
  EXPECT_EQ(p.checklist[3].record, "dba_conformity");
  EXPECT_EQ(p.checklist[3].when, "changes_database");
}

TEST(BuiltinProcedure, ProcedureLookupsAndNames) {
  const Procedure& p = builtin();
  EXPECT_EQ(p.action("return_to_qa", "project", "submitted")->R, (std::vector<std::string>{"release_operator", "production_lead"}));
  EXPECT_EQ(p.action("return_to_qa", "project", "pre_approved")->R,
            (std::vector<std::string>{"release_operator", "production_lead", "asi_head", "it_chief"}));
  EXPECT_EQ(p.action("request_qa", "emergency", "draft"), nullptr);
  EXPECT_EQ(p.action("approve", "project", "draft"), nullptr);
  EXPECT_NE(p.any_action("approve", "project"), nullptr);
  EXPECT_EQ(p.any_action("approve", "emergency"), nullptr);
  const auto codes = p.action_codes("emergency");
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "request_production"), 0);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "request_committee"), 1);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "pre_approve"), 0);
  EXPECT_EQ(p.state_name("draft", Lang::es), "Borrador");
  EXPECT_EQ(p.state_name("draft", Lang::en), "Draft");
  EXPECT_EQ(p.role_name("requester", Lang::es), "solicitante");
  EXPECT_EQ(p.role_name("no_such_role", Lang::en), "no_such_role");
  EXPECT_EQ(p.kind_name("emergency", Lang::es), "Emergencia");
}

// --- the small definition and its breakages ----------------------------------------------------

TEST(ProcedureLoader, MiniDefinitionLoads) {
  auto p = load(kMini);
  ASSERT_TRUE(Allowed(p));
  EXPECT_EQ(p->edition, "T1");
  EXPECT_EQ(p->actions.size(), 2u);
  ASSERT_EQ(p->actions[1].guards.size(), 2u);
  EXPECT_EQ(p->actions[1].guards[0].name, "fresh");
  EXPECT_EQ(p->actions[1].guards[0].arg, "memo");
  EXPECT_EQ(p->actions[1].line, line_of(kMini, "- code: finish"));
  ASSERT_EQ(p->segregation.size(), 1u);
  EXPECT_EQ(p->segregation[0].first, "send");
}

TEST(ProcedureLoader, RefusesUnknownRoleInAction) {
  const std::string text = mutate(kMini, "R: [dev]", "R: [ghost]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: send"), "unknown role \"ghost\""));
}

TEST(ProcedureLoader, RefusesUnknownRoleInKind) {
  const std::string text = mutate(kMini, "opened_by: [dev]", "opened_by: [nobody]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- {code: small"), "unknown role \"nobody\""));
}

TEST(ProcedureLoader, RefusesUnknownRoleInRecordType) {
  const std::string text = mutate(kMini, "by: [boss]", "by: [bos]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- {code: memo"), "unknown role \"bos\""));
}

TEST(ProcedureLoader, RefusesUnknownTargetState) {
  const std::string text = mutate(kMini, "to: review", "to: limbo");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: send"), "unknown state \"limbo\""));
}

TEST(ProcedureLoader, RefusesUnknownFromState) {
  const std::string text = mutate(kMini, "from: [review]", "from: [reviewing]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: finish"), "unknown state \"reviewing\""));
}

TEST(ProcedureLoader, RefusesUnknownInitialState) {
  const std::string text = mutate(kMini, "initial_state: draft", "initial_state: start");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "initial_state:"), "unknown state \"start\""));
}

// The reported line must be the unreachable state's own line.
void expect_unreachable_at(const std::string& text, const std::string& state, const std::string& state_line_text) {
  auto p = load(text);
  ASSERT_FALSE(p.ok()) << "definition with unreachable state " << state << " loaded";
  EXPECT_EQ(p.error().id, "procedure.invalid");
  EXPECT_NE(p.error().en.find("state \"" + state + "\" is unreachable"), std::string::npos) << p.error().en;
  const int line = line_of(text, state_line_text);
  if (p.error().detail("line") != std::to_string(line)) {
    FAIL() << "unreachable state \"" << state << "\" is reported at line " << p.error().detail("line")
                 << " instead of its line " << line << " (" << p.error().en
                 << "). procedure_load.cc seq() reuses one YAML::Node holder; yaml-cpp's Node assignment rebinds "
                    "the referenced node, so root[\"states\"] later holds the slots data.";
  }
  EXPECT_TRUE(RefusedAt(p, line, "state \"" + state + "\" is unreachable"));
}

TEST(ProcedureLoader, RefusesUnreachableState) {
  const std::string text =
      mutate(kMini, "  - {code: done,", "  - {code: orphan, es: Huérfano, en: Orphan}\n  - {code: done,");
  expect_unreachable_at(text, "orphan", "{code: orphan");
}

TEST(ProcedureLoader, RefusesActionWithoutR) {
  const std::string text = mutate(kMini, "    R: [boss]\n", "");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: finish"), "action \"finish\" has no R role"));
}

TEST(ProcedureLoader, RefusesActionWithEmptyR) {
  const std::string text = mutate(kMini, "R: [boss]", "R: []");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: finish"), "action \"finish\" has no R role"));
}

TEST(ProcedureLoader, RefusesDuplicateRoleCode) {
  const std::string text = mutate(kMini, "  - {code: boss, administers: true, es: Jefe, en: Boss}",
                                  "  - {code: boss, administers: true, es: Jefe, en: Boss}\n  - {code: dev, es: Otro, en: Other}");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{code: dev, es: Otro"), "duplicate code in roles: \"dev\""));
}

TEST(ProcedureLoader, RefusesNoAdministeringRole) {
  const std::string text = mutate(kMini, "{code: boss, administers: true,", "{code: boss,");
  auto p = load(text);
  EXPECT_TRUE(RefusedAt(p, line_of(text, "{code: dev,"), "no role carries \"administers: true\""));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().es.find("ningún rol lleva «administers: true»"), std::string::npos) << p.error().es;
  EXPECT_NE(p.error().es.find(kFile), std::string::npos) << p.error().es;
}

TEST(ProcedureLoader, RefusesSeveralAdministeringRoles) {
  const std::string text = mutate(kMini, "{code: dev,", "{code: dev, administers: true,");
  auto p = load(text);
  EXPECT_TRUE(RefusedAt(p, line_of(text, "{code: boss,"), "\"dev\" and \"boss\" both carry \"administers: true\""));
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().es.find("solo un rol puede administrar"), std::string::npos) << p.error().es;
}

TEST(ProcedureLoader, ReadsRoleAttributes) {
  const std::string text = mutate(kMini, "{code: dev,", "{code: dev, edits_systems: true, reads_reports: true,");
  auto p = load(text);
  ASSERT_TRUE(p) << p.error().en;
  EXPECT_EQ(p->administering_role(), "boss");
  EXPECT_EQ(p->roles_allowed(&RoleDef::reads_reports), (std::vector<std::string>{"boss", "dev"}));
  EXPECT_EQ(p->roles_allowed(&RoleDef::edits_systems), (std::vector<std::string>{"boss", "dev"}));
  EXPECT_EQ(p->roles_allowed(&RoleDef::sets_freezes), (std::vector<std::string>{"boss"}));
}

TEST(ProcedureLoader, RefusesDuplicateStateCode) {
  const std::string text = mutate(kMini, "  - {code: done,", "  - {code: review, es: Otra, en: Again}\n  - {code: done,");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{code: review, es: Otra"), "duplicate code in states: \"review\""));
}

TEST(ProcedureLoader, RefusesDuplicateSlotCode) {
  const std::string text =
      mutate(kMini, "  - {code: doc, es: Documento, en: Document}", "  - {code: doc, es: Documento, en: Document}\n  - {code: doc, es: Copia, en: Copy}");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{code: doc, es: Copia"), "duplicate code in slots: \"doc\""));
}

TEST(ProcedureLoader, RefusesOverlappingActionRows) {
  const std::string second = R"(  - code: send
    es: Enviar otra vez
    en: Send again
    kinds: [small]
    from: [draft, review]
    to: done
    R: [boss]
segregation:)";
  const std::string text = mutate(kMini, "segregation:", second);
  const int line = line_of(text, "  - code: send\n    es: Enviar otra vez");
  EXPECT_TRUE(RefusedAt(load(text), line, "duplicate action \"send\" for small from draft (see line " +
                                              std::to_string(line_of(text, "- code: send")) + ")"));
}

TEST(ProcedureLoader, AcceptsSecondRowOfAnActionFromOtherStates) {
  const std::string second = R"(  - code: send
    es: Reenviar
    en: Send again
    kinds: [small]
    from: [review]
    to: review
    R: [boss]
segregation:)";
  EXPECT_TRUE(Allowed(load(mutate(kMini, "segregation:", second))));
}

TEST(ProcedureLoader, RefusesUnknownGuard) {
  const std::string text = mutate(kMini, R"(guards: ["slot_filled:doc"])", "guards: [telepathy]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "guards: [telepathy]"), "unknown guard \"telepathy\""));
}

TEST(ProcedureLoader, RefusesGuardMissingItsArgument) {
  const std::string text = mutate(kMini, R"(guards: ["slot_filled:doc"])", "guards: [slot_filled]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "guards: [slot_filled]"), "guard \"slot_filled\" needs an argument"));
}

TEST(ProcedureLoader, RefusesArgumentOnGuardThatTakesNone) {
  const std::string text = mutate(kMini, R"(guards: ["fresh:memo", note])", R"(guards: ["note:why"])");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "note:why"), "guard \"note\" takes no argument"));
}

TEST(ProcedureLoader, RefusesGuardArgumentNamingUnknownSlot) {
  const std::string text = mutate(kMini, R"(guards: ["slot_filled:doc"])", R"(guards: ["slot_filled:docs"])");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "slot_filled:docs"), "unknown deliverable slot \"docs\""));
}

TEST(ProcedureLoader, RefusesFreshGuardNamingNeitherActionNorRecord) {
  const std::string text = mutate(kMini, R"(guards: ["fresh:memo", note])", R"(guards: ["fresh:memos"])");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "fresh:memos"), "unknown record type \"memos\""));
}

TEST(ProcedureLoader, AcceptsFreshGuardNamingAnAction) {
  EXPECT_TRUE(Allowed(load(mutate(kMini, R"(guards: ["fresh:memo", note])", R"(guards: ["fresh:send"])"))));
}

TEST(ProcedureLoader, RefusesGuardLimitedToUnknownKind) {
  const std::string text = mutate(kMini, R"(guards: ["slot_filled:doc"])", R"(guards: [{guard: "slot_filled:doc", kinds: [huge]}])");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{guard:"), "unknown release kind \"huge\""));
}

TEST(ProcedureLoader, RefusesUnknownSlotInKind) {
  const std::string text = mutate(kMini, "slots: [doc]", "slots: [doc, manual]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- {code: small"), "unknown deliverable slot \"manual\""));
}

TEST(ProcedureLoader, RefusesBadVersionRule) {
  const std::string text = mutate(kMini, "version_rule: minor", "version_rule: tiny");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- {code: small"), "version_rule must be major, minor or patch"));
}

TEST(ProcedureLoader, RefusesActionLeavingFinalState) {
  const std::string text = mutate(kMini, "from: [review]", "from: [review, done]");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: finish"), "leaves final state \"done\""));
}

TEST(ProcedureLoader, RefusesSegregationNamingUnknownAction) {
  const std::string text = mutate(kMini, "{first: send, then: finish}", "{first: send, then: publish}");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{first: send"), "\"publish\" is neither an action nor a record type"));
}

TEST(ProcedureLoader, RefusesBadQuorum) {
  const std::string text = mutate(kMini, "segregation:", "committee: {role: boss, quorum: most}\nsegregation:");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "committee:"), "quorum must be \"majority\" or a positive number"));
  const std::string zero = mutate(kMini, "segregation:", "committee: {role: boss, quorum: \"0\"}\nsegregation:");
  EXPECT_FALSE(load(zero).ok());
  EXPECT_TRUE(Allowed(load(mutate(kMini, "segregation:", "committee: {role: boss, quorum: \"3\"}\nsegregation:"))));
}

TEST(ProcedureLoader, RefusesMissingRequiredField) {
  const std::string text = mutate(kMini, "    to: done\n", "");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: finish"), "missing field \"to\""));
}

TEST(ProcedureLoader, RefusesMalformedYamlWithLine) {
  const std::string text = mutate(kMini, "    from: [draft]\n", "    from: [draft\n");
  auto p = load(text);
  ASSERT_FALSE(p.ok());
  const Error& e = p.error();
  EXPECT_EQ(e.code, Code::invalid_argument);
  EXPECT_EQ(e.id, "procedure.invalid");
  EXPECT_NE(e.en.find("malformed YAML"), std::string::npos) << e.en;
  EXPECT_NE(e.es.find("YAML mal formado"), std::string::npos) << e.es;
  EXPECT_EQ(e.en.rfind(std::string(kFile) + ":", 0), 0u) << e.en;
  EXPECT_EQ(e.detail("file"), kFile);
  // The parser notices the unclosed list at or after the line that opens it.
  const int line = std::stoi(e.detail("line"));
  EXPECT_GE(line, line_of(text, "from: [draft\n"));
  EXPECT_LE(line, line_of(text, "from: [draft\n") + 3);
}

TEST(ProcedureLoader, RefusesTabIndentation) {
  auto p = load(mutate(kMini, "    to: review\n", "\tto: review\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().id, "procedure.invalid");
  EXPECT_EQ(p.error().detail("file"), kFile);
}

TEST(ProcedureLoader, RefusesDefinitionThatIsNotAMap) {
  auto p = load("- just\n- a list\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Code::invalid_argument);
  EXPECT_NE(p.error().en.find(kFile), std::string::npos);
}

TEST(ProcedureLoader, RefusesEmptyDefinition) {
  auto p = load("");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, Code::invalid_argument);
  EXPECT_NE(p.error().en.find(kFile), std::string::npos);
}

TEST(ProcedureLoader, RefusesNonBooleanFlag) {
  auto p = load(mutate(kMini, "final: true", "final: maybe"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().id, "procedure.invalid");
  EXPECT_EQ(p.error().detail("line"), std::to_string(line_of(kMini, "{code: done")));
}

TEST(ProcedureLoader, RefusesDuplicateKindCode) {
  const std::string text = mutate(kMini, "record_types:", "  - {code: small, es: Otro, en: Other, version_rule: major}\nrecord_types:");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{code: small, es: Otro"), "duplicate code in kinds: \"small\""));
}

TEST(ProcedureLoader, RefusesDuplicateRecordTypeCode) {
  const std::string text = mutate(kMini, "actions:", "  - {code: memo, es: Otro, en: Other, by: [dev]}\nactions:");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "{code: memo, es: Otro"), "duplicate code in record_types: \"memo\""));
}

TEST(ProcedureLoader, RefusesRecordGuardNamingUnknownRecordType) {
  const std::string text = mutate(kMini, R"(guards: ["slot_filled:doc"])", R"(guards: ["record:memorandum"])");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "record:memorandum"), "unknown record type \"memorandum\""));
}

TEST(ProcedureLoader, RefusesUnknownRoleInReviews) {
  const std::string text = mutate(kMini, "record_types:", "reviews: {states: [review], by: [auditor]}\nrecord_types:");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "reviews:"), "unknown role \"auditor\""));
}

TEST(ProcedureLoader, OptionalSectionsMayBeOmitted) {
  // reviews, committee, checklist and segregation are optional.
  auto p = load(mutate(kMini, "segregation:\n  - {first: send, then: finish}\n", ""));
  ASSERT_TRUE(Allowed(p));
  EXPECT_TRUE(p->segregation.empty());
  EXPECT_TRUE(p->review_states.empty());
  EXPECT_TRUE(p->committee_role.empty());
  EXPECT_TRUE(p->checklist.empty());
}

TEST(ProcedureLoader, ListSectionsReadAsOptionalAreOptionalOrNamedWhenMissing) {
  // The loader reads production_states and deliverables_editable_in with its optional-list
  // reader; leaving them out must either load (empty) or be refused naming the key.
  for (const std::string& line : {std::string("production_states: [done]\n"), std::string("deliverables_editable_in: [draft]\n")}) {
    const std::string key = line.substr(0, line.find(':'));
    SCOPED_TRACE(key);
    auto p = load(mutate(kMini, line, ""));
    if (p.ok()) continue;
    if (p.error().en.find(key) == std::string::npos) {
      FAIL() << "a definition without \"" << key << "\" is refused with an unrelated message at line "
                   << p.error().detail("line") << ": " << p.error().en
                   << " (line_of(root[\"" << key << "\"]) on a missing key throws yaml-cpp InvalidNode).";
    }
  }
}

// --- breakages of the built-in file: the message points at the right line of it --------------

TEST(ProcedureLoader, BuiltinWithUnknownRoleIsRefusedAtItsLine) {
  const std::string text = mutate(builtin_text(), "    R: [asi_head]\n", "    R: [asi_chief]\n");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- code: pre_approve"), "unknown role \"asi_chief\""));
}

TEST(ProcedureLoader, BuiltinWithUnknownGuardIsRefusedAtItsLine) {
  const std::string text = mutate(builtin_text(), "      - deployment_recorded\n", "      - deployment_logged\n");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "- deployment_logged"), "unknown guard \"deployment_logged\""));
}

TEST(ProcedureLoader, BuiltinWithoutCancelToCancelledMakesItUnreachable) {
  std::string text = builtin_text();
  for (std::size_t pos; (pos = text.find("    to: cancelled\n")) != std::string::npos;) text.replace(pos, 18, "    to: rejected\n");
  expect_unreachable_at(text, "cancelled", "{code: cancelled");
}

TEST(ProcedureLoader, BuiltinWithOverlappingRejectRowsIsRefused) {
  // The emergency row of reject also applying to maintenance overlaps the first row.
  const std::string text = mutate(builtin_text(), "    kinds: [emergency]\n    from: [committee]\n    to: rejected\n",
                                  "    kinds: [maintenance, emergency]\n    from: [committee, pending_approval]\n    to: rejected\n");
  EXPECT_TRUE(RefusedAt(load(text), line_of(text, "    es: Rechazar en comité") - 1, "duplicate action \"reject\" for maintenance"));
}

TEST(ProcedureLoader, EditionStaysAsDeclared) {
  auto p = load(mutate(builtin_text(), "edition: \"02\"", "edition: \"03\""));
  ASSERT_TRUE(Allowed(p));
  EXPECT_EQ(p->edition, "03");
}

TEST(ProcedureDiff, NamesWhatAnotherEditionAddsRemovesAndChanges) {
  const Procedure& in_force = builtin();
  EXPECT_TRUE(procedure_diff(in_force, in_force).empty());
  // Edition 03: maintenance also needs a training record, deploy is told to the IT chief, and the
  // INDECOPI request is gone.
  std::string text = mutate(builtin_text(), "edition: \"02\"", "edition: \"03\"");
  text = mutate(text, "  - {record: security_conformity}\n",
                "  - {record: security_conformity}\n  - {record: training_given}\n");
  text = mutate(text, "record_types:\n",
                "record_types:\n  - {code: training_given, es: Capacitación dada, en: Training given, by: [project_lead], "
                "keys: [note], states: [submitted, validated]}\n");
  text = mutate(text, "    C: [dba, infra_specialist]\n    I: [functional_user]\n",
                "    C: [dba, infra_specialist]\n    I: [functional_user, it_chief]\n");
  auto next = load_procedure(text, "procedures/edition-03.yaml");
  ASSERT_TRUE(Allowed(next));
  std::vector<std::string> lines;
  for (const auto& c : procedure_diff(in_force, *next)) lines.push_back(c.text(Lang::en));
  const auto has = [&](const std::string& needle) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("+ record training_given")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("+ checklist training_given")) << ::testing::PrintToString(lines);
  EXPECT_TRUE(has("~ action deploy project approved: I [functional_user] → [functional_user, it_chief]"))
      << ::testing::PrintToString(lines);
  EXPECT_EQ(lines.size(), 5u) << ::testing::PrintToString(lines);  // deploy's three kinds, the record, the checklist item
}

}  // namespace
}  // namespace pasaprod::test
