// The seed's RACI table ("Matriz RACI" of edition 02), transcribed once with its own row and
// column names, against the built-in procedure file: for every activity, the roles asked (C)
// are exactly the table's; every role the table marks I is told; nobody is told who is not in
// the row or responsible for what comes next; every R and A of the table may act.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "core_test_util.h"

namespace pasaprod::test {
namespace {

// Columns of the table, left to right, and the procedure's role codes.
const std::vector<std::pair<std::string, std::string>> kColumns = {
    {"Jefe de Proyecto/Coordinador", "project_lead"},
    {"Responsable de Equipo Calidad", "qa_lead"},
    {"Operador de Pase a Prod.", "release_operator"},
    {"Responsable Equipo Producción", "production_lead"},
    {"Especialista Base de Datos", "dba"},
    {"Especialista Infraestructura AIT", "infra_specialist"},
    {"Jefatura de Informática", "it_chief"},
    {"Responsable AGTI", "agti_head"},
    {"Responsable ASI", "asi_head"},
    {"Usuario Funcional", "functional_user"},
};

struct Row {
  std::string activity;             // the table's wording
  std::vector<std::string> cells;   // one per column: "", "R", "A", "A/R", "C", "I"
  std::vector<std::string> steps;   // the procedure's actions and record types for it
};

// The table as printed (one cell per column, in kColumns order).
const std::vector<Row> kTable = {
    {"Solicita pase a calidad", {"A/R", "I", "", "", "", "", "I", "I", "I", "C"}, {"request_qa"}},
    {"Conformidad de pruebas", {"I", "A/R", "", "", "", "", "I", "I", "I", "I"}, {"qa_accept"}},
    {"Solicita pase a producción", {"I", "A/R", "", "I", "", "", "I", "I", "I", "I"}, {"request_production"}},
    {"Aprueba pase a producción", {"I", "I", "", "I", "", "", "A", "I", "R", ""}, {"pre_approve", "approve"}},
    {"Recepciona solicitud, valida conformidad de solicitud", {"", "", "R", "A", "C", "C", "", "", "", ""}, {"validate"}},
    {"Si hay problemas, se remita e informa a Calidad", {"I", "I", "R", "A/R", "", "", "I", "", "I", ""}, {"return_to_qa"}},
    {"Elabora informe de pase a producción", {"", "", "R", "A/R", "C", "C", "", "", "", ""}, {"prepare_report"}},
    {"Realiza despliegue a producción", {"", "", "R", "A", "C", "C", "", "", "", "I"}, {"deploy", "deployment"}},
    {"Verifica la operatividad", {"", "", "R", "A", "", "", "", "", "", "I"}, {"verify", "verification"}},
    {"Si hay problemas, se ejecuta plan de marcha atrás", {"I", "C", "R", "A", "", "", "I", "I", "I", ""}, {"rollback"}},
    {"Realiza solicitud de registro de Sw a INDECOPI", {"C", "C", "", "A", "", "", "I", "I", "I", ""}, {"ip_registration"}},
    {"Elabora acta de conformidad en producción", {"C", "R", "C", "R", "", "", "I", "I", "I", "A"}, {"accept", "cosign"}},
};

std::set<std::string> column_roles(const Row& row, const std::set<std::string>& letters) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    const std::string& cell = row.cells[i];
    for (const auto& l : letters) {
      if (cell == l || (cell == "A/R" && (l == "A" || l == "R"))) out.insert(kColumns[i].second);
    }
  }
  return out;
}

struct StepRoles {
  std::set<std::string> R, A, C, I, next_R;
};

// Every row of the steps for a project (the table's kind), merged.
StepRoles roles_of(const Procedure& p, const Row& row) {
  StepRoles out;
  auto add = [](std::set<std::string>& to, const std::vector<std::string>& roles) {
    for (const auto& r : roles) {
      if (r != "everyone" && r != "requester") to.insert(r);
    }
  };
  for (const auto& step : row.steps) {
    bool found = false;
    if (const RecordTypeDef* t = p.record_type(step)) {  // a record (rollback is both)
      found = true;
      add(out.R, t->by);
      add(out.C, t->consult);
      add(out.I, t->inform);
    }
    for (const auto& a : p.actions) {
      if (a.code != step || std::find(a.kinds.begin(), a.kinds.end(), "project") == a.kinds.end()) continue;
      found = true;
      add(out.R, a.R);
      add(out.A, a.A);
      add(out.C, a.C);
      add(out.I, a.I);
      // Who must act next is told too (e.g. ASI and the IT chief of the informe).
      for (const auto& next : p.actions) {
        if (std::find(next.kinds.begin(), next.kinds.end(), "project") == next.kinds.end()) continue;
        if (std::find(next.from.begin(), next.from.end(), a.to) != next.from.end()) add(out.next_R, next.R);
      }
    }
    EXPECT_TRUE(found) << row.activity << ": no step " << step << " for a project";
  }
  return out;
}

TEST(RaciConformance, EveryCellOfTheSeedTableReachesItsRole) {
  const Procedure& p = builtin();
  for (const auto& row : kTable) {
    SCOPED_TRACE(row.activity);
    ASSERT_EQ(row.cells.size(), kColumns.size());
    const StepRoles got = roles_of(p, row);
    // C: asked exactly those the table marks C.
    EXPECT_EQ(got.C, column_roles(row, {"C"}));
    // I: every I of the table is told...
    for (const auto& role : column_roles(row, {"I"})) EXPECT_TRUE(got.I.count(role)) << role << " is not told";
    // ...and nobody outside the row, except whoever must act next.
    const std::set<std::string> row_roles = column_roles(row, {"R", "A", "C", "I"});
    for (const auto& role : got.I) {
      EXPECT_TRUE(row_roles.count(role) || got.next_R.count(role)) << role << " is told but not in the row";
    }
    // R and A: each may act (an R of the table holds R of a step; an A is A or R of one).
    for (const auto& role : column_roles(row, {"R"})) EXPECT_TRUE(got.R.count(role)) << role << " (R) may not act";
    for (const auto& role : column_roles(row, {"A"})) {
      EXPECT_TRUE(got.A.count(role) || got.R.count(role)) << role << " (A) is neither accountable nor responsible";
    }
  }
}

// Consultation works for every C cell: a consulted role may record an opinion in the state where
// the activity is open, and a role the table does not consult may not.
TEST(RaciConformance, ConsultedRolesMayGiveAnOpinionWhereTheActivityIsOpen) {
  Flow f("project");
  ASSERT_TRUE(f.advance_to("submitted"));
  EXPECT_TRUE(Allowed(f.try_record(f.who.dba, "consultation", {{"opinion", "agree"}, {"note", "Scripts probados."}})));
  auto r = f.try_record(f.who.infra, "consultation", {{"opinion", "concerns"}, {"note", "Falta espacio en disco."}});
  ASSERT_TRUE(Allowed(r));
  EXPECT_EQ(r->fields.at("on"), "validate");
  EXPECT_TRUE(Refused(f.try_record(f.who.sec, "consultation", {{"opinion", "agree"}, {"note", "x"}}), Code::permission_denied,
                      "role.required"));
  EXPECT_TRUE(Refused(f.try_record(f.who.dba, "consultation", {{"opinion", "maybe"}, {"note", "x"}}), Code::invalid_argument,
                      "record.bad_field"));
  ASSERT_TRUE(f.advance_to("verified"));
  // Acceptance: the project lead and the operator are consulted; INDECOPI: the project and QA leads.
  auto on_accept = f.try_record(f.who.op, "consultation", {{"opinion", "agree"}, {"note", "Conforme."}});
  ASSERT_TRUE(Allowed(on_accept));
  EXPECT_EQ(on_accept->fields.at("on"), "accept");
  auto on_ip = f.try_record(f.who.qa, "consultation", {{"opinion", "agree"}, {"note", "Conforme."}, {"on", "ip_registration"}});
  ASSERT_TRUE(Allowed(on_ip));
  EXPECT_EQ(on_ip->fields.at("on"), "ip_registration");
  EXPECT_TRUE(Refused(f.try_record(f.who.op, "consultation", {{"opinion", "agree"}, {"note", "x"}, {"on", "deploy"}}),
                      Code::invalid_argument, "record.bad_field"));
}

}  // namespace
}  // namespace pasaprod::test
