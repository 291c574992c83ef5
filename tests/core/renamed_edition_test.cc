// Edition 02 with its codes renamed (core_test_util.h renamed_builtin) walks the same paths and
// meets the same refusals as edition 02: what C++ does with a record type, an action, a state
// or a role comes from the file's attributes, not from the code's name.
#include <gtest/gtest.h>

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
    const bool known = p.record_type(to) || p.any_action(to, "") || p.state(to) || p.role(to) || p.slot(to) ||
                       to == "aprobar" || to == "rechazar";
    EXPECT_TRUE(known) << to;
    EXPECT_FALSE(p.record_type(from) || p.state(from) || p.role(from) || p.slot(from)) << from;
  }
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
  EXPECT_TRUE(Refused(b.try_record(b.who.op, "ventana", {{"from", "2026-03-10T12:00:00Z"}, {"to", "2026-03-10T11:00:00Z"}}),
                      Code::invalid_argument, "record.bad_field"));
  ASSERT_TRUE(b.record(b.who.op, "ventana", {{"from", "2026-03-10T08:00:00Z"}, {"to", "2026-03-10T20:00:00Z"}}));
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
    EXPECT_TRUE(Allowed(check_version(p, sys, {{"2.4", state, "PP-2026-0001"}}, "maintenance", false, "2.4"))) << state;
  }
  EXPECT_FALSE(check_version(p, sys, {{"2.4", "aprobado", "PP-2026-0001"}}, "maintenance", false, "2.4").ok());
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
  EXPECT_NE(load_error("acta_slots: [technical_report]", "acta_slots: [report]").find("unknown deliverable slot \"report\""),
            std::string::npos);
}

TEST(ProcedureAttributes, TheDiffListsThem) {
  std::string text(builtin_procedure_yaml());
  text.replace(text.find(", formats: {sha256: sha256}"), std::string(", formats: {sha256: sha256}").size(), "");
  text.replace(text.find("  deploy: [deploy]"), std::string("  deploy: [deploy]").size(), "  deploy: [deploy, verify]");
  auto edited = load_procedure(text, "e.yaml");
  ASSERT_TRUE(edited) << edited.error().en;
  std::vector<std::string> lines;
  for (const auto& c : procedure_diff(builtin(), *edited)) lines.push_back(c.text(Lang::en));
  EXPECT_NE(std::find(lines.begin(), lines.end(), "~ record backup: formats sha256=sha256 → -"), lines.end());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "+ adherence deploy = [deploy, verify]"), lines.end());
}

}  // namespace
}  // namespace pasaprod::test
