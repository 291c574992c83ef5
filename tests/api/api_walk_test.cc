// Every action of each kind through HTTP, to `closed`, on the demo office (`serve --demo`),
// as the demo users. Also: what the demo office holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "api_office.h"

namespace apitest {
namespace {

class DemoWalkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::demo().release();
    walker_ = new Walker(*office_);
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    delete walker_;
    EXPECT_EQ(office_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << office_->server().output();
    delete office_;
  }

  // Acts as `as` and expects the release to end in `state`.
  json step(const std::string& number, const std::string& action, const std::string& as, const std::string& state,
            const std::string& note = "Paso del recorrido.") {
    walker_->prepare(number, action);
    // The release's view offers the action to this person before they take it (the view and
    // the action agree, deploy's manifest check included).
    const json seen = office_->as(as).get("/api/v1/releases/" + number).expect(200).json();
    bool offered = false;
    for (const auto& a : seen.at("available_actions")) offered = offered || (a.value("action", "") == action && a.value("allowed", false));
    EXPECT_TRUE(offered) << as << " is not offered " << action << ": " << seen.at("available_actions").dump();
    Response r = walker_->try_act(number, action, as, note);
    EXPECT_EQ(r.status, 200) << r.describe();
    if (r.status != 200) throw std::runtime_error(action + " refused");
    const json rel = r.json();
    EXPECT_EQ(rel.value("state", ""), state) << action;
    EXPECT_EQ(r.header("ETag").value_or(""), "\"" + std::to_string(rel.value("row_version", -1)) + "\"");
    taken_.push_back(action);
    return rel;
  }
  std::string u(const std::string& role) { return office_->cast.at(role); }
  std::string current_version(const std::string& system) {
    const json s = office_->admin().get("/api/v1/systems/" + system).expect(200).json();
    return s.at("current_version").is_null() ? "" : s.at("current_version").get<std::string>();
  }

  // The shape every client relies on.
  void check_release_shape(const json& rel) {
    for (const char* key : {"number", "state", "kind", "version", "system", "deliverables", "records", "signoffs", "available_actions"}) {
      EXPECT_TRUE(rel.contains(key)) << key << " missing in " << rel.dump().substr(0, 500);
    }
    const std::string number = rel.value("number", "");
    const bool well_formed = number.size() == 12 && number.rfind("PP-", 0) == 0 && number[7] == '-' &&
                             number.find_first_not_of("0123456789", 3) == 7 && number.find_first_not_of("0123456789", 8) == std::string::npos;
    EXPECT_TRUE(well_formed) << "PP-YYYY-NNNN: " << number;
    EXPECT_TRUE(rel["deliverables"].is_array());
    EXPECT_TRUE(rel["records"].is_array());
    EXPECT_TRUE(rel["signoffs"].is_array());
    EXPECT_TRUE(rel["available_actions"].is_array());
  }

  // Events of the release's audit trail, by action name.
  std::vector<std::string> act_events(const std::string& number) {
    std::vector<std::string> out;
    const json ev = office_->admin().get("/api/v1/releases/" + number + "/events").expect(200).json();
    for (const auto& e : ev.at("items")) {
      if (e.at("action") == "release.act") out.push_back(e.at("after").at("action"));
    }
    return out;
  }

  static Office* office_;
  static Walker* walker_;
  std::vector<std::string> taken_;
};
Office* DemoWalkTest::office_ = nullptr;
Walker* DemoWalkTest::walker_ = nullptr;

TEST_F(DemoWalkTest, DemoOfficeIsLoaded) {
  std::cerr << "serve --demo started in " << office_->server().startup_time().count() << " ms\n";
  const std::string out = office_->server().output();
  EXPECT_NE(out.find("pasaprod-demo"), std::string::npos) << "the demo password is printed at start\n" << out;
  Api& admin = office_->admin();
  const json systems = admin.get("/api/v1/systems").expect(200).json().at("items");
  std::map<std::string, json> by_code;
  for (const auto& s : systems) by_code[s.at("code")] = s;
  ASSERT_EQ(by_code.size(), 3u) << systems.dump();
  EXPECT_EQ(by_code["SIAGIE"].value("initial_version", ""), "3.2");
  EXPECT_EQ(by_code["NEXUS"].value("initial_version", ""), "2.5");
  EXPECT_EQ(by_code["TUTOR"].value("initial_version", "?"), "");
  EXPECT_EQ(by_code["NEXUS"].value("current_version", ""), "2.5") << "its rolled-back maintenance left it as it was";
  EXPECT_EQ(by_code["TUTOR"].value("current_version", ""), "1.0") << "its first project was closed";

  const json page = admin.get("/api/v1/releases?limit=200").expect(200).json();
  std::set<std::string> states;
  std::vector<std::string> numbers;
  for (const auto& r : page.at("items")) {
    states.insert(r.at("state").get<std::string>());
    numbers.push_back(r.at("number"));
  }
  EXPECT_GE(page.at("total").get<int>(), 10);
  for (const char* s : {"draft", "in_qa", "pending_approval", "approved", "closed", "rolled_back", "rejected"}) {
    EXPECT_TRUE(states.count(s)) << "no demo release in state " << s;
  }
  EXPECT_TRUE(std::is_sorted(numbers.rbegin(), numbers.rend())) << "newest first";
  // Filters and paging.
  const json closed = admin.get("/api/v1/releases?state=closed&limit=2").expect(200).json();
  EXPECT_EQ(closed.at("items").size(), 2u);
  EXPECT_EQ(closed.at("limit").get<int>(), 2);
  for (const auto& r : closed.at("items")) EXPECT_EQ(r.at("state"), "closed");
  const json emergencies = admin.get("/api/v1/releases?kind=emergency&system=SIAGIE").expect(200).json();
  EXPECT_GE(emergencies.at("total").get<int>(), 2);
  for (const auto& r : emergencies.at("items")) {
    EXPECT_EQ(r.at("kind"), "emergency");
    EXPECT_EQ(r.at("system"), "SIAGIE");
  }
  // Every demo user signs in with the demo password and holds the documented role.
  for (const auto& [role, user] : office_->cast) {
    const json me = office_->as(user).get("/api/v1/me").expect(200).json();
    bool holds = false;
    for (const auto& g : me.at("roles")) holds = holds || g.at("role") == role;
    EXPECT_TRUE(holds) << user << " should hold " << role << ": " << me.dump();
  }
  // The audit trail of the seeded office verifies.
  const json audit = admin.get("/api/v1/audit/verify").expect(200).json();
  EXPECT_TRUE(audit.value("ok", false)) << audit.dump();
}

TEST_F(DemoWalkTest, ProjectTakesEveryActionToClosed) {
  const json opened = walker_->open("TUTOR", "project", u("project_lead"), "Segunda generación de la plataforma");
  const std::string n = opened.at("number");
  EXPECT_EQ(opened.value("version", ""), "2.0") << "a project takes the next major version";
  EXPECT_EQ(opened.value("state", ""), "draft");
  check_release_shape(opened);
  const std::string before = current_version("TUTOR");

  step(n, "request_qa", u("project_lead"), "in_qa");
  step(n, "qa_observe", u("qa_lead"), "draft", "Faltan casos de prueba.");
  step(n, "request_qa", u("project_lead"), "in_qa");
  step(n, "qa_accept", u("qa_lead"), "qa_approved");
  step(n, "request_production", u("qa_lead"), "submitted");
  step(n, "return_to_qa", u("release_operator"), "returned", "Falta el manual de usuario firmado.");
  step(n, "reopen_qa", u("qa_lead"), "in_qa");
  step(n, "qa_accept", u("qa_lead"), "qa_approved");
  step(n, "request_production", u("qa_lead"), "submitted");
  step(n, "validate", u("release_operator"), "validated");
  step(n, "return_to_qa", u("production_lead"), "returned", "Observación de producción.");
  step(n, "resubmit", u("qa_lead"), "submitted");
  step(n, "validate", u("release_operator"), "validated");
  step(n, "prepare_report", u("release_operator"), "pending_approval");
  step(n, "pre_approve", u("asi_head"), "pre_approved");
  step(n, "return_to_qa", u("it_chief"), "returned", "Observaciones de la Jefatura en lugar de rechazo.");
  step(n, "resubmit", u("qa_lead"), "submitted");
  step(n, "validate", u("release_operator"), "validated");
  step(n, "prepare_report", u("release_operator"), "pending_approval");
  step(n, "pre_approve", u("asi_head"), "pre_approved");
  step(n, "approve", u("it_chief"), "approved");
  step(n, "deploy", u("release_operator"), "deployed");
  EXPECT_EQ(current_version("TUTOR"), before) << "deployed is not yet verified";
  step(n, "verify", u("release_operator"), "verified");
  EXPECT_EQ(current_version("TUTOR"), "2.0") << "a verified release updates the current version";
  // 11: the INDECOPI registration request (a record by the production lead).
  walker_->prepare(n, "accept");
  const json rel = step(n, "accept", u("functional_user"), "closed");
  EXPECT_EQ(current_version("TUTOR"), "2.0");

  check_release_shape(rel);
  EXPECT_EQ(rel.value("kind", ""), "project");
  EXPECT_EQ(rel.value("system", ""), "TUTOR");
  EXPECT_EQ(rel.value("version", ""), "2.0");
  for (const auto& d : rel.at("deliverables")) {
    if (d.value("generated", false)) continue;
    EXPECT_FALSE(d.at("files").empty()) << d.dump();
    ASSERT_TRUE(d.at("review").is_object()) << d.dump();
    EXPECT_EQ(d.at("review").value("verdict", ""), "accepted");
  }
  std::set<std::string> records;
  for (const auto& r : rel.at("records")) records.insert(r.at("type").get<std::string>());
  for (const char* t : {"window", "infra_readiness", "security_conformity", "dba_conformity", "deployment", "verification", "inventory",
                        "ip_registration", "baseline", "cosign"}) {
    EXPECT_TRUE(records.count(t)) << "record " << t << " missing";
  }
  std::set<std::string> signed_now;
  for (const auto& s : rel.at("signoffs")) {
    if (s.value("current", false)) signed_now.insert(s.at("name").get<std::string>());
  }
  for (const char* s : {"qa_accept", "validate", "prepare_report", "pre_approve", "approve", "deploy", "verify", "accept", "cosign"}) {
    EXPECT_TRUE(signed_now.count(s)) << "sign-off " << s << " missing";
  }
  for (const auto& a : rel.at("available_actions")) EXPECT_FALSE(a.value("allowed", true)) << "nothing to do on a closed request";
  EXPECT_EQ(act_events(n), taken_) << "one audit event per action";
  const json audit = office_->admin().get("/api/v1/audit/verify").expect(200).json();
  EXPECT_TRUE(audit.value("ok", false)) << audit.dump();
}

TEST_F(DemoWalkTest, MaintenanceTakesEveryActionToClosedAndAReplacedFileMakesSignoffsStale) {
  const json opened = walker_->open("NEXUS", "maintenance", u("project_lead"), "Reportes de plazas");
  const std::string n = opened.at("number");
  const std::string version = opened.at("version");
  step(n, "request_qa", u("project_lead"), "in_qa");
  step(n, "qa_accept", u("qa_lead"), "qa_approved");
  step(n, "request_production", u("qa_lead"), "submitted");
  step(n, "return_to_qa", u("release_operator"), "returned", "El ejecutable no corresponde a las fuentes.");
  // A replaced file: QA's acceptance is stale, so resubmit is refused until QA accepts again.
  walker_->upload(n, "executables", "sistema.war", "ejecutable corregido", u("project_lead"));
  Response stale = walker_->try_act(n, "resubmit", u("qa_lead"), "");
  EXPECT_EQ(stale.status, 422) << stale.describe();
  EXPECT_EQ(walker_->get(n).value("state", ""), "returned") << "a refused action changes nothing";
  step(n, "reopen_qa", u("qa_lead"), "in_qa");
  step(n, "qa_accept", u("qa_lead"), "qa_approved");
  step(n, "request_production", u("qa_lead"), "submitted");
  // An observed deliverable blocks validation.
  walker_->review(n, "user_manual", "observed", u("release_operator"), "Desactualizado.");
  Response observed = walker_->try_act(n, "validate", u("release_operator"), "");
  EXPECT_EQ(observed.status, 422) << observed.describe();
  walker_->review(n, "user_manual", "accepted", u("release_operator"), "Corregido.");
  step(n, "validate", u("release_operator"), "validated");
  step(n, "prepare_report", u("release_operator"), "pending_approval");
  step(n, "return_to_qa", u("asi_head"), "returned", "Observaciones de ASI.");
  step(n, "resubmit", u("qa_lead"), "submitted");
  step(n, "validate", u("release_operator"), "validated");
  step(n, "prepare_report", u("release_operator"), "pending_approval");
  step(n, "pre_approve", u("asi_head"), "pre_approved");
  step(n, "approve", u("it_chief"), "approved");
  step(n, "deploy", u("release_operator"), "deployed");
  step(n, "verify", u("release_operator"), "verified");
  EXPECT_EQ(current_version("NEXUS"), version);
  const json rel = step(n, "accept", u("functional_user"), "closed");
  check_release_shape(rel);
  EXPECT_EQ(rel.value("kind", ""), "maintenance");
  EXPECT_EQ(rel.value("system", ""), "NEXUS");
  EXPECT_EQ(current_version("NEXUS"), version);
  std::set<std::string> records;
  for (const auto& r : rel.at("records")) records.insert(r.at("type").get<std::string>());
  EXPECT_TRUE(records.count("backup"));
  EXPECT_EQ(act_events(n), taken_);
}

TEST_F(DemoWalkTest, EmergencyWithCommitteeVotesToClosed) {
  const json opened = walker_->open("SIAGIE", "emergency", u("qa_lead"), "Parche urgente");
  const std::string n = opened.at("number");
  const std::string version = opened.at("version");
  EXPECT_EQ(std::count(version.begin(), version.end(), '.'), 2) << "an emergency takes a patch version: " << version;
  // The procedure's emergency order: the committee first.
  step(n, "request_committee", u("production_lead"), "committee");
  // One vote is not a quorum (3 members: 2 needed).
  walker_->record(n, "vote", {{"decision", "approve"}, {"note", "A favor."}}, office_->committee[0]);
  Response early = walker_->try_act(n, "committee_approve", office_->committee[0], "");
  EXPECT_EQ(early.status, 422) << early.describe();
  walker_->record(n, "vote", {{"decision", "approve"}, {"note", "Conforme."}}, office_->committee[1]);
  const json approved = step(n, "committee_approve", office_->committee[2], "submitted");
  bool votes_signed = false;
  for (const auto& s : approved.at("signoffs")) votes_signed = votes_signed || s.value("name", "") == "vote";
  EXPECT_TRUE(votes_signed) << "committee votes are sign-offs";
  // The committee's acta is now a deliverable, reviewed at reception like the others.
  bool acta = false;
  for (const auto& d : approved.at("deliverables")) {
    acta = acta || (d.value("slot", "") == "emergency_committee_record" && !d.at("files").empty());
  }
  EXPECT_TRUE(acta) << approved.at("deliverables").dump();
  step(n, "validate", u("production_lead"), "validated");
  step(n, "return_to_qa", u("release_operator"), "returned", "Falta el informe técnico firmado.");
  step(n, "resubmit", u("qa_lead"), "submitted");
  step(n, "validate", u("release_operator"), "validated");
  // The emergency informe holds the checklist and the acta; it is the approval.
  step(n, "prepare_report", u("release_operator"), "approved");
  step(n, "deploy", u("release_operator"), "deployed");
  step(n, "verify", u("release_operator"), "verified");
  EXPECT_EQ(current_version("SIAGIE"), version);
  const json rel = step(n, "close", u("production_lead"), "closed");
  check_release_shape(rel);
  EXPECT_EQ(rel.value("kind", ""), "emergency");
  EXPECT_EQ(act_events(n), taken_);
}

TEST_F(DemoWalkTest, RejectCancelAndRollbackEndRequestsWithoutChangingTheVersion) {
  const std::string before = current_version("NEXUS");
  // reject (maintenance, by the IT chief, with a note).
  std::string n = walker_->open("NEXUS", "maintenance").at("number");
  walker_->advance(n, "pre_approved");
  Response no_note = walker_->try_act(n, "reject", u("it_chief"), "");
  EXPECT_EQ(no_note.status, 422) << "reject needs a note\n" << no_note.describe();
  json rel = step(n, "reject", u("it_chief"), "rejected", "No corresponde este trimestre.");
  ASSERT_FALSE(rel.at("observations").empty());
  EXPECT_EQ(rel.at("observations").back().value("text", ""), "No corresponde este trimestre.");
  // The version of a rejected request is free again.
  const json again = walker_->open("NEXUS", "maintenance");
  EXPECT_EQ(again.value("version", ""), rel.value("version", "?"));
  // cancel (by its requester).
  n = again.at("number");
  step(n, "cancel", u("project_lead"), "cancelled", "Ya no se necesita.");
  // emergency rejected by the committee.
  n = walker_->open("NEXUS", "emergency").at("number");
  walker_->advance(n, "committee");
  step(n, "reject", office_->committee[1], "rejected", "El comité no encuentra justificada la emergencia.");
  // rollback after a failed verification.
  n = walker_->open("NEXUS", "maintenance").at("number");
  walker_->advance(n, "deployed");
  walker_->record(n, "verification", {{"result", "failed"}, {"evidence", "Error 500."}}, u("release_operator"));
  Response verify = walker_->try_act(n, "verify", u("release_operator"), "");
  EXPECT_EQ(verify.status, 422) << "verify needs a successful verification\n" << verify.describe();
  step(n, "rollback", u("release_operator"), "rolled_back");
  EXPECT_EQ(current_version("NEXUS"), before) << "a rolled-back release leaves the version as it was";
}

}  // namespace
}  // namespace apitest
