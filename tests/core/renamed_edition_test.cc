// Edition 02 with its codes renamed (core_test_util.h renamed_builtin) walks the same paths and
// meets the same refusals as edition 02: what C++ does with a record type, an action, a state
// or a role comes from the file's attributes, not from the code's name.
#include <gtest/gtest.h>

#include "core/derived.h"
#include "core/procedure_diff.h"
#include "core_test_util.h"

namespace pasaprod::test {
namespace {

// The transitions' actions and target states, under edition 02's names.
std::vector<std::string> path_of(const Flow& f) {
  Names back;
  for (const auto& [from, to] : f.names) back[to] = from;
  std::vector<std::string> out;
  for (const auto& t : f.rel.transitions) out.push_back(named(back, t.action) + "→" + named(back, t.to));
  return out;
}

TEST(RenamedEdition, LoadsWithEveryRenamedCode) {
  const Procedure& p = renamed_builtin();
  for (const auto& [from, to] : renames()) {
    const bool step = std::any_of(p.kinds.begin(), p.kinds.end(), [&](const KindDef& k) {
      return std::find(k.deployment_steps.begin(), k.deployment_steps.end(), to) != k.deployment_steps.end();
    });
    const bool known = p.record_type(to) || p.any_action(to, "") || p.state(to) || p.role(to) || p.slot(to) || p.kind(to) ||
                       step || to == "aprobar" || to == "rechazar";
    EXPECT_TRUE(known) << to;
    EXPECT_FALSE(p.record_type(from) || p.state(from) || p.role(from) || p.slot(from) || p.kind(from)) << from;
  }
  EXPECT_EQ(p.record_type("ventana")->keys, (std::vector<std::string>{"desde", "hasta"}));
  EXPECT_EQ(p.meaning_code("window"), "ventana");
  EXPECT_EQ(p.meaning_code("vote"), "voto");
  EXPECT_EQ(p.committee_role, "comite");
}

TEST(RenamedEdition, EveryKindWalksTheSamePathToClosed) {
  for (const char* kind : {"project", "maintenance", "emergency"}) {
    for (const bool database : {false, true}) {
      Flow a(kind);
      Flow b(renamed_builtin(), renames(), kind);
      a.rel.changes_database = b.rel.changes_database = database;
      if (!database) a.skip = b.skip = {"dba_conformity"};
      ASSERT_TRUE(a.advance_to("closed")) << kind;
      ASSERT_TRUE(b.advance_to("cerrado")) << kind;
      EXPECT_EQ(path_of(a), path_of(b)) << kind;
      EXPECT_EQ(a.rel.records.size(), b.rel.records.size()) << kind;
    }
  }
}

TEST(RenamedEdition, DeployRefusesForTheSameMissingRecordsNamedByTheFile) {
  Flow a("maintenance");
  Flow b(renamed_builtin(), renames(), "maintenance");
  a.skip = b.skip = {"backup", "deployment"};
  a.deployed_manifest = manifest_sha256(a.rel);
  b.deployed_manifest = manifest_sha256(b.rel);
  ASSERT_TRUE(a.advance_to("approved"));
  ASSERT_TRUE(b.advance_to("aprobado"));
  auto ra = a.try_act(a.who.op, "deploy");
  auto rb = b.try_act(b.who.op, "desplegar");
  ASSERT_TRUE(Refused(ra, Code::failed_precondition, "guard.backup_missing"));
  ASSERT_TRUE(Refused(rb, Code::failed_precondition, "guard.backup_missing"));
  EXPECT_TRUE(has_detail(rb.error(), "missing", "respaldo"));
  ASSERT_TRUE(b.record(b.who.op, "respaldo", {{"what", "app"}, {"where", "//backup"}, {"sha256", std::string(64, 'a')}}));
  rb = b.try_act(b.who.op, "desplegar");
  ASSERT_TRUE(Refused(rb, Code::failed_precondition, "guard.deployment_missing"));
  EXPECT_TRUE(has_detail(rb.error(), "missing", "despliegue"));
  // The record's checks come from its attributes: the steps of the kind, the backup's digest.
  EXPECT_TRUE(Refused(b.try_record(b.who.op, "despliegue", {{"steps", "nonsense"}}), Code::invalid_argument, "record.bad_field"));
  EXPECT_TRUE(Refused(b.try_record(b.who.op, "respaldo", {{"what", "x"}, {"where", "y"}, {"sha256", "zz"}}), Code::invalid_argument,
                      "record.bad_field"));
  ASSERT_TRUE(b.record(b.who.op, "despliegue", b.deployment_fields()));
  ASSERT_TRUE(b.rel.changes_database);
  const auto deployed = b.rel.records.back().fields;
  ASSERT_TRUE(b.record(b.who.dba, "despliegue_bd", {{"scripts", "V2.sql"}, {"result", "ok"}}));
  EXPECT_TRUE(Allowed(b.try_act(b.who.op, "desplegar")));
  // The deployed bytes' digest is kept on the deployment record (it `is: deployment`).
  EXPECT_EQ(deployed.at("deployed_manifest_sha256"), *b.deployed_manifest);
}

TEST(RenamedEdition, TheWindowIsTheRecordThatIsAWindow) {
  Flow b(renamed_builtin(), renames(), "maintenance");
  b.skip = {"window"};
  ASSERT_TRUE(b.advance_to("validated"));
  auto r = b.try_act(b.who.op, "elaborar_informe");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.checklist_incomplete"));
  EXPECT_TRUE(has_detail(r.error(), "missing", "ventana"));
  EXPECT_TRUE(Refused(b.try_record(b.who.op, "ventana", {{"desde", "2026-03-10T12:00:00Z"}, {"hasta", "2026-03-10T11:00:00Z"}}),
                      Code::invalid_argument, "record.bad_field"));
  ASSERT_TRUE(b.record(b.who.op, "ventana", {{"desde", "2026-03-10T08:00:00Z"}, {"hasta", "2026-03-10T20:00:00Z"}}));
  const auto w = window_status(b.sit());
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(w->open);
}

TEST(RenamedEdition, CommitteeVotesCountByTheirPassingValue) {
  Flow b(renamed_builtin(), renames(), "emergency");
  b.skip = {"votes"};
  ASSERT_TRUE(b.advance_to("committee"));
  EXPECT_TRUE(Refused(b.try_record(b.who.c1, "voto", {{"decision", "approve"}}), Code::invalid_argument, "record.bad_field"));
  ASSERT_TRUE(b.record(b.who.c1, "voto", {{"decision", "rechazar"}}));
  ASSERT_TRUE(b.record(b.who.c2, "voto", {{"decision", "rechazar"}}));
  EXPECT_EQ(committee_votes(b.sit()), std::make_pair(0, 2));
  ASSERT_TRUE(b.act(b.who.c1, "rechazar", "not urgent"));
  EXPECT_EQ(b.rel.state, "rechazado");
}

TEST(RenamedEdition, VerificationAndCosignatureReadTheirAttributes) {
  Flow b(renamed_builtin(), renames(), "project");
  b.skip = {"cosign"};
  ASSERT_TRUE(b.advance_to("desplegado"));
  ASSERT_TRUE(b.record(b.who.op, "verificacion", {{"result", "failed"}, {"evidence", "500 errors"}}));
  EXPECT_TRUE(Refused(b.try_act(b.who.op, "verificar"), Code::failed_precondition, "guard.verification_missing"));
  ASSERT_TRUE(b.record(b.who.op, "verificacion", {{"result", "ok"}, {"evidence", "smoke tests"}}));
  ASSERT_TRUE(b.act(b.who.op, "verificar"));
  ASSERT_TRUE(b.advance_to("verificado"));
  ASSERT_TRUE(b.record(b.who.op, "inventario", {{"asset_id", "AIT-1"}}));
  ASSERT_TRUE(b.record(b.who.prod, "registro_indecopi", {{"filed_on", "2026-03-11"}, {"file_number", "N-1"}}));
  ASSERT_TRUE(b.record(b.who.op, "linea_base", {}));
  auto r = b.try_act(b.who.fu, "aceptar");
  ASSERT_TRUE(Refused(r, Code::failed_precondition, "guard.cosign_missing"));
  EXPECT_EQ(details(r.error(), "missing"), (std::vector<std::string>{"jefe_calidad", "jefe_produccion"}));
  ASSERT_TRUE(b.record(b.who.qa, "cofirma", {{"note", "ok"}}));
  EXPECT_EQ(b.rel.records.back().fields.at("role"), "jefe_calidad");
  ASSERT_TRUE(b.record(b.who.prod, "cofirma", {{"note", "ok"}}));
  EXPECT_TRUE(b.act(b.who.fu, "aceptar"));
}

TEST(RenamedEdition, TheStatesThatFreeAVersionAreMarkedInTheFile) {
  const Procedure& p = renamed_builtin();
  const System sys = SystemBuilder(kSys).version("2.3");
  for (const char* state : {"rechazado", "anulado"}) {
    EXPECT_TRUE(Allowed(check_version(p, sys, {{"2.4", state, "PP-2026-0001"}}, "mantenimiento", false, "2.4"))) << state;
  }
  EXPECT_FALSE(check_version(p, sys, {{"2.4", "aprobado", "PP-2026-0001"}}, "mantenimiento", false, "2.4").ok());
}

// What a kind is (core/derived.h) is read from the actions, guards, slots, record types and
// committee of the file: the renamed kinds are what edition 02's are.
TEST(RenamedEdition, KindsAreWhatTheirActionsSlotsAndRecordsMakeThem) {
  struct Expect {
    const char* kind;
    bool emergency, qa, backup, backout_plan, inventory, accept;
  };
  const Expect rows[] = {{"project", false, true, false, false, true, true},
                         {"maintenance", false, true, true, true, false, true},
                         {"emergency", true, false, true, true, false, false}};
  for (const bool renamed : {false, true}) {
    const Procedure& p = renamed ? renamed_builtin() : builtin();
    for (const Expect& e : rows) {
      const std::string k = renamed ? named(renames(), e.kind) : e.kind;
      EXPECT_EQ(is_emergency(p, k), e.emergency) << k;
      EXPECT_EQ(kind_takes(p, k, "qa_accept"), e.qa) << k;
      EXPECT_EQ(kind_guarded(p, k, "deploy", "backup_recorded"), e.backup) << k;
      EXPECT_EQ(kind_has_slot(p, k, "backout_plan"), e.backout_plan) << k;
      EXPECT_EQ(kind_records(p, k, "inventory"), e.inventory) << k;
      EXPECT_EQ(kind_records(p, k, "ip_registration"), e.inventory) << k;
      EXPECT_EQ(kind_takes(p, k, "accept"), e.accept) << k;
    }
    EXPECT_TRUE(reached_by(p, "reject", renamed ? "rechazado" : "rejected"));
    EXPECT_FALSE(reached_by(p, "reject", renamed ? "anulado" : "cancelled"));
    EXPECT_TRUE(reached_by(p, "rollback", "rolled_back"));
    EXPECT_EQ(window_from_key(p), renamed ? "desde" : "from");
    EXPECT_EQ(window_to_key(p), renamed ? "hasta" : "to");
  }
  EXPECT_EQ(kind_codes(renamed_builtin()), "proyecto, mantenimiento, emergencia");
}

// Who administers, edits systems, sets freezes, edits settings and reads the PMO report is read
// from the roles' attributes, whatever the roles are called.
TEST(RenamedEdition, TheRolesBeyondTheActionsAreMarkedInTheFile) {
  for (const bool renamed : {false, true}) {
    const Procedure& p = renamed ? renamed_builtin() : builtin();
    auto n = [&](const char* code) { return renamed ? named(renames(), code) : std::string(code); };
    EXPECT_EQ(p.administering_role(), n("admin"));
    EXPECT_EQ(p.roles_allowed(&RoleDef::reads_reports),
              (std::vector<std::string>{n("admin"), n("asi_head"), n("agti_head"), n("it_chief"), n("pmo_specialist")}));
    EXPECT_EQ(p.roles_allowed(&RoleDef::edits_systems), (std::vector<std::string>{n("admin"), n("production_lead")}));
    EXPECT_EQ(p.roles_allowed(&RoleDef::sets_freezes), (std::vector<std::string>{n("admin"), n("production_lead"), n("it_chief")}));
    EXPECT_EQ(p.roles_allowed(&RoleDef::edits_settings), (std::vector<std::string>{n("admin"), n("it_chief")}));
  }
}

TEST(RenamedEdition, AnUnknownKindIsRefusedWithTheKindsOfTheEdition) {
  const System sys = SystemBuilder(kSys).version("2.3");
  auto r = expected_version(renamed_builtin(), sys, {}, "maintenance", false);
  ASSERT_TRUE(Refused(r, Code::invalid_argument, "kind.unknown"));
  EXPECT_NE(r.error().en.find("use one of edition 02: proyecto, mantenimiento, emergencia"), std::string::npos) << r.error().en;
  EXPECT_NE(r.error().es.find("proyecto, mantenimiento, emergencia"), std::string::npos) << r.error().es;
}

// The deployment steps carry their labels in the file; a step given as a plain code is its own
// label.
TEST(RenamedEdition, DeploymentStepsAreLabelledByTheFile) {
  const KindDef* project = renamed_builtin().kind("proyecto");
  ASSERT_NE(project, nullptr);
  EXPECT_EQ(project->deployment_steps.front(), "guia_instalacion");
  EXPECT_EQ(project->step_name("guia_instalacion", Lang::es), "Guía de instalación y configuración");
  EXPECT_EQ(project->step_name("guia_instalacion", Lang::en), "Installation and configuration guide");
  EXPECT_EQ(project->step_name("unknown", Lang::en), "unknown");
  std::string text(builtin_procedure_yaml());
  const std::string labelled = "- {code: deployment_guide, es: Guía de referencia de despliegue, en: Deployment reference guide}";
  text.replace(text.find(labelled), labelled.size(), "- deployment_guide");
  auto plain = load_procedure(text, "e.yaml");
  ASSERT_TRUE(plain) << plain.error().en;
  EXPECT_EQ(plain->kind("maintenance")->deployment_steps, std::vector<std::string>{"deployment_guide"});
  EXPECT_EQ(plain->kind("maintenance")->step_name("deployment_guide", Lang::es), "deployment_guide");
}

// Answering a consultation reads the record type that `is: consultation`: by meaning (agree,
// concerns) or by one of its values.
TEST(RenamedEdition, AConsultationAnswerIsMappedToTheEditionsValues) {
  std::string text(builtin_procedure_yaml());
  const std::string choices = "choices: {opinion: [agree, concerns]}, passes: {opinion: agree}, formats: {note: text}";
  text.replace(text.find(choices), choices.size(), "choices: {opinion: [conforme, reparos]}, passes: {opinion: conforme}, formats: {note: text}");
  auto p = load_procedure(text, "e.yaml");
  ASSERT_TRUE(p) << p.error().en;
  const ConsultationForm form = consultation_form(*p);
  EXPECT_EQ(form.type, "consultation");
  auto agree = consultation_fields(form, "agree", "fine", "");
  ASSERT_TRUE(agree);
  EXPECT_EQ(*agree, (std::map<std::string, std::string>{{"opinion", "conforme"}, {"note", "fine"}}));
  auto concerns = consultation_fields(form, "concerns", "risky", "deploy");
  ASSERT_TRUE(concerns);
  EXPECT_EQ(*concerns, (std::map<std::string, std::string>{{"opinion", "reparos"}, {"note", "risky"}, {"on", "deploy"}}));
  auto literal = consultation_fields(form, "reparos", "x", "");
  ASSERT_TRUE(literal);
  EXPECT_EQ(literal->at("opinion"), "reparos");
  auto bad = consultation_fields(form, "maybe", "x", "");
  ASSERT_TRUE(Refused(bad, Code::invalid_argument, "consult.bad_opinion"));
  EXPECT_NE(bad.error().en.find("use agree, concerns, conforme, reparos"), std::string::npos) << bad.error().en;
  EXPECT_TRUE(Refused(consultation_fields(ConsultationForm{}, "agree", "x", ""), Code::invalid_argument, "consult.none"));
  EXPECT_EQ(consultation_form(renamed_builtin()).type, "consulta");
}

// --- the attributes' checks at load ----------------------------------------------------------

// Edition 02 with `from` (found once) replaced by `to`, loaded; its error in English, "" if loaded.
std::string load_error(const std::string& from, const std::string& to) {
  std::string text(builtin_procedure_yaml());
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  EXPECT_EQ(text.find(from, pos + 1), std::string::npos) << from;
  if (pos == std::string::npos) return "fixture";
  text.replace(pos, from.size(), to);
  auto p = load_procedure(text, "e.yaml");
  if (p) return "";
  EXPECT_EQ(p.error().id, "procedure.invalid");
  EXPECT_FALSE(p.error().es.empty());
  return p.error().en;
}

TEST(ProcedureAttributes, RefusedWithWhatIsWrong) {
  EXPECT_NE(load_error("is: backup,", "is: backups,").find("unknown meaning \"is: backups\""), std::string::npos);
  EXPECT_NE(load_error("is: backup,", "is: window,").find("two record types are \"is: window\""), std::string::npos);
  EXPECT_NE(load_error("formats: {from: time, to: time}", "formats: {from: time}").find("starts with two keys of format time"),
            std::string::npos);
  EXPECT_NE(load_error("passes: {decision: approve}", "passes: {decision: yes}").find("\"passes\" must give one of the \"choices\""),
            std::string::npos);
  EXPECT_NE(load_error("is: vote, choices: {decision: [approve, reject]}, passes: {decision: approve}", "is: vote")
                .find("needs \"passes\""),
            std::string::npos);
  EXPECT_NE(load_error("formats: {sha256: sha256}", "formats: {digest: sha256}").find("names key \"digest\", which is not in keys"),
            std::string::npos);
  EXPECT_NE(load_error("formats: {sha256: sha256}", "formats: {sha256: hex}").find("unknown format \"hex\""), std::string::npos);
  EXPECT_NE(load_error("choices: {opinion: [agree, concerns]}", "choices: {opinion: [agree]}").find("at least two distinct values"),
            std::string::npos);
  EXPECT_NE(load_error("is: rollback, ", "").find("guard \"rollback_recorded\" needs a record type with \"is: rollback\""),
            std::string::npos);
  EXPECT_NE(load_error("  validate: [validate]", "  validated: [validate]").find("unknown adherence fact \"validated\""),
            std::string::npos);
  EXPECT_NE(load_error("  security: [security_conformity]", "  security: [validate]").find("unknown record type \"validate\""),
            std::string::npos);
  EXPECT_NE(load_error("{code: admin, administers: true,", "{code: admin,").find("no role carries \"administers: true\""),
            std::string::npos);
  EXPECT_NE(load_error("{code: dba,", "{code: dba, administers: true,").find("\"dba\" and \"admin\" both carry \"administers: true\""),
            std::string::npos);
  EXPECT_NE(load_error("acta_slots: [technical_report]", "acta_slots: [report]").find("unknown deliverable slot \"report\""),
            std::string::npos);
}

TEST(ProcedureAttributes, DeploymentStepsRefusedWithWhatIsWrong) {
  const std::string step = "- {code: install_guide, es: Guía de instalación y configuración, en: Installation and configuration guide}";
  EXPECT_NE(load_error(step, "- {es: Guía, en: Guide}").find("missing field \"code\""), std::string::npos);
  EXPECT_NE(load_error(step, "- {code: install_guide, es: Guía}").find("missing field \"en\""), std::string::npos);
  EXPECT_NE(load_error(step, "- [install_guide]").find("malformed deployment step: a code or {code, es, en}"), std::string::npos);
  EXPECT_NE(load_error(step, "- \"a,b\"").find("the code cannot be empty nor hold a comma"), std::string::npos);
  EXPECT_NE(load_error(step, "- users_created").find("repeated deployment step \"users_created\""), std::string::npos);
  EXPECT_NE(load_error("    deployment_steps:\n      - {code: install_guide", "    deployment_steps: install_guide\n    x:\n      - {code: install_guide")
                .find("\"deployment_steps\" must be a list"),
            std::string::npos);
}

TEST(ProcedureAttributes, TheDiffListsThem) {
  std::string text(builtin_procedure_yaml());
  text.replace(text.find(", formats: {sha256: sha256}"), std::string(", formats: {sha256: sha256}").size(), "");
  text.replace(text.find("  deploy: [deploy]"), std::string("  deploy: [deploy]").size(), "  deploy: [deploy, verify]");
  text.replace(text.find("{code: pmo_specialist, reads_reports: true,"), std::string("{code: pmo_specialist, reads_reports: true,").size(),
               "{code: pmo_specialist,");
  auto edited = load_procedure(text, "e.yaml");
  ASSERT_TRUE(edited) << edited.error().en;
  std::vector<std::string> lines;
  for (const auto& c : procedure_diff(builtin(), *edited)) lines.push_back(c.text(Lang::en));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "~ record backup: formats sha256=sha256 → -"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "+ adherence deploy = [deploy, verify]"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "~ role pmo_specialist: reads_reports yes → no"), lines.end()) << ::testing::PrintToString(lines);
}

TEST(ProcedureAttributes, TheDiffListsTheDeploymentSteps) {
  std::string text(builtin_procedure_yaml());
  const std::string labelled = "- {code: deployment_guide, es: Guía de referencia de despliegue, en: Deployment reference guide}";
  text.replace(text.find(labelled), labelled.size(), "- {code: deployment_guide, es: Guía de despliegue, en: Deployment guide}");
  auto edited = load_procedure(text, "e.yaml");
  ASSERT_TRUE(edited) << edited.error().en;
  std::vector<std::string> lines;
  for (const auto& c : procedure_diff(builtin(), *edited)) lines.push_back(c.text(Lang::en));
  const auto it = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("kind maintenance: deployment_steps deployment_guide (Guía de referencia de despliegue / Deployment reference guide) → "
                  "deployment_guide (Guía de despliegue / Deployment guide)") != std::string::npos;
  });
  EXPECT_NE(it, lines.end()) << ::testing::PrintToString(lines);
}

}  // namespace
}  // namespace pasaprod::test
