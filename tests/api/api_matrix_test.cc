// The authorization matrix of SPEC §4.3: for every action and every role of SPEC §2, a user
// holding only that role (per-system roles granted for the release's system) attempts the
// action on a release in the action's from-state. Allowed exactly for the R roles — then the
// guards are prepared so that it succeeds (200) — and 403 naming the R role(s) for the others,
// with the request left exactly as it was.
//
// Releases are walked to the from-states by the office's cast and reused: whatever an allowed
// attempt produces is parked for the next case (Pool).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "api_office.h"

namespace apitest {
namespace {

const std::vector<std::string> kRoles = {"functional_user", "project_lead",     "qa_lead",   "dba",       "security_officer",
                                         "release_operator", "infra_specialist", "production_lead", "asi_head", "agti_head",
                                         "it_chief",        "pmo_specialist",   "emergency_committee", "admin"};

std::string matrix_user(const std::string& role) { return "m." + role; }

struct Case {
  std::string kind, from, action;
  std::set<std::string> R;  // SPEC §4.3 (pseudo-role "requester" aside)
  std::string to;           // the state after an allowed attempt ("" = a record: state unchanged)
};

class MatrixTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    office_ = Office::fresh().release();
    // One user per role, holding only that role; per-system roles for MTX.
    for (const auto& role : kRoles) {
      json grant = {{"role", role}};
      if (role == "functional_user" || role == "project_lead") grant["system"] = "MTX";
      office_->add_user(matrix_user(role), json::array({grant}));
    }
    walker_ = new Walker(*office_);
    pool_ = new Pool(*walker_, "MTX");
    // The English labels of the roles, to check that refusals name them.
    for (const auto& r : walker_->procedure().at("roles")) role_label_[r.at("code")] = r.at("label").at("en");
  }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    std::cerr << "matrix: " << pool_->opened() << " releases opened\n";
    delete pool_;
    delete walker_;
    EXPECT_EQ(office_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << office_->server().output();
    delete office_;
  }

  // The attempt of `role`'s user: an action, or (when c.to is empty) a record of type c.action.
  Response attempt(const Case& c, const std::string& number, const std::string& user) {
    Api& api = office_->as(user);
    if (c.to.empty()) return api.post("/api/v1/releases/" + number + "/records", {{"type", c.action}, {"fields", record_fields(c.action)}});
    return api.post("/api/v1/releases/" + number + "/actions/" + c.action, {{"note", "Intento de la matriz."}});
  }
  static json record_fields(const std::string& type) {
    if (type == "ip_registration") return {{"filed_on", iso_now().substr(0, 10)}, {"file_number", "0099-2026/DDA"}};
    return {{"note", "Conforme."}};
  }

  void check_refusal(const Case& c, const std::string& role, const Response& r) {
    const std::string where = c.kind + " " + c.action + " from " + c.from + " by " + role;
    ASSERT_EQ(r.status, 403) << where << "\n" << r.describe();
    const json p = r.json();
    EXPECT_EQ(p.value("code", ""), "permission_denied") << where;
    EXPECT_EQ(p.value("id", ""), "role.required") << where;
    // details.required_role lists every R role (an array when there are several).
    const std::vector<std::string> named = detail_list(p, "required_role");
    std::set<std::string> expected = c.R;
    if (c.action == "cancel" && c.from != "approved") expected.insert("requester");  // the pseudo-role of the opener
    EXPECT_EQ(std::set<std::string>(named.begin(), named.end()), expected) << where << "\n" << r.describe();
    // The message (in English: Accept-Language: en) names every R role.
    const std::string detail = p.value("detail", "");
    for (const auto& role_code : c.R) {
      EXPECT_NE(detail.find(role_label_[role_code]), std::string::npos) << where << ": the message does not name " << role_code << ": " << detail;
    }
  }

  // Runs one case: every role without R is refused, every R role succeeds (each on its own
  // release in the from-state).
  void run(const Case& c) {
    SCOPED_TRACE(c.kind + " " + c.action + " from " + c.from);
    std::string number = pool_->take(c.kind, c.from);
    walker_->prepare(number, c.action);
    const json before = walker_->get(number);
    for (const auto& role : kRoles) {
      if (c.R.count(role)) continue;
      check_refusal(c, role, attempt(c, number, matrix_user(role)));
    }
    const json after = walker_->get(number);
    EXPECT_EQ(after.at("state"), before.at("state"));
    EXPECT_EQ(after.at("row_version"), before.at("row_version")) << "refused attempts must leave the request as it was";
    EXPECT_EQ(after.at("records").size(), before.at("records").size());
    bool first = true;
    for (const auto& role : kRoles) {
      if (!c.R.count(role)) continue;
      if (!first && !c.to.empty()) {
        number = pool_->take(c.kind, c.from);
        walker_->prepare(number, c.action);
      }
      first = false;
      Response r = attempt(c, number, matrix_user(role));
      ASSERT_EQ(r.status, c.to.empty() ? 201 : 200) << c.action << " by " << role << " (an R role) must succeed\n" << r.describe();
      if (!c.to.empty()) {
        EXPECT_EQ(r.json().value("state", ""), c.to);
        pool_->park(r.json());
      }
    }
    if (c.to.empty()) pool_->park(walker_->get(number));
  }

  static Office* office_;
  static Walker* walker_;
  static Pool* pool_;
  static std::map<std::string, std::string> role_label_;
};
Office* MatrixTest::office_ = nullptr;
Walker* MatrixTest::walker_ = nullptr;
Pool* MatrixTest::pool_ = nullptr;
std::map<std::string, std::string> MatrixTest::role_label_;

// Rows 1–5c of SPEC §4.3 (maintenance; project and maintenance share them).
TEST_F(MatrixTest, QaPhase) {
  run({"maintenance", "draft", "request_qa", {"project_lead"}, "in_qa"});
  run({"maintenance", "in_qa", "qa_observe", {"qa_lead"}, "draft"});
  run({"maintenance", "in_qa", "qa_accept", {"qa_lead"}, "qa_approved"});
  run({"maintenance", "qa_approved", "request_production", {"qa_lead"}, "submitted"});
  // Activity 1 names the production coordinator responsible; the RACI gives the operator R.
  run({"maintenance", "submitted", "validate", {"release_operator", "production_lead"}, "validated"});
  run({"maintenance", "submitted", "return_to_qa", {"release_operator", "production_lead"}, "returned"});
  run({"maintenance", "validated", "return_to_qa", {"release_operator", "production_lead"}, "returned"});
  run({"maintenance", "returned", "resubmit", {"qa_lead"}, "submitted"});
  run({"maintenance", "returned", "reopen_qa", {"qa_lead"}, "in_qa"});
}

// Rows 6–7d (project and maintenance): report, pre-approval, approval, rejection, and the
// return "with observations instead of rejection" open to ASI and the IT chief.
TEST_F(MatrixTest, ApprovalPhase) {
  run({"maintenance", "validated", "prepare_report", {"release_operator", "production_lead"}, "pending_approval"});
  run({"maintenance", "pending_approval", "pre_approve", {"asi_head"}, "pre_approved"});
  run({"maintenance", "pre_approved", "approve", {"it_chief"}, "approved"});
  run({"maintenance", "pending_approval", "return_to_qa", {"release_operator", "production_lead", "asi_head", "it_chief"}, "returned"});
  run({"maintenance", "pre_approved", "return_to_qa", {"release_operator", "production_lead", "asi_head", "it_chief"}, "returned"});
  // 7d: for project and maintenance the rejecting roles are ASI and the IT chief; the
  // committee rejects emergencies (EmergencyActions).
  run({"maintenance", "pending_approval", "reject", {"asi_head", "it_chief"}, "rejected"});
  run({"maintenance", "pre_approved", "reject", {"asi_head", "it_chief"}, "rejected"});
}

// Rows 8–12: deploy, verify, rollback, INDECOPI request, acceptance and its co-signatures.
TEST_F(MatrixTest, DeploymentPhase) {
  run({"maintenance", "approved", "deploy", {"release_operator"}, "deployed"});
  run({"maintenance", "deployed", "verify", {"release_operator"}, "verified"});
  run({"maintenance", "deployed", "rollback", {"release_operator"}, "rolled_back"});
  run({"maintenance", "verified", "rollback", {"release_operator"}, "rolled_back"});
  // 12: "functional_user signs; qa_lead and production_lead co-sign" (the co-signatures are
  // `cosign` records).
  run({"maintenance", "verified", "cosign", {"qa_lead", "production_lead"}, ""});
  run({"maintenance", "verified", "accept", {"functional_user"}, "closed"});
  // 11: request_ip_registration (project), recorded as an `ip_registration` record.
  run({"project", "verified", "ip_registration", {"production_lead"}, ""});
  run({"project", "verified", "accept", {"functional_user"}, "closed"});
}

// Emergency-only rows, in the procedure's order: the committee first (7c, 7d), then reception,
// the informe (which approves), deployment, 12b.
TEST_F(MatrixTest, EmergencyActions) {
  run({"emergency", "draft", "request_committee", {"qa_lead", "production_lead", "project_lead"}, "committee"});
  run({"emergency", "committee", "committee_approve", {"emergency_committee"}, "submitted"});
  run({"emergency", "committee", "reject", {"emergency_committee"}, "rejected"});
  run({"emergency", "submitted", "validate", {"release_operator", "production_lead"}, "validated"});
  run({"emergency", "validated", "prepare_report", {"release_operator", "production_lead"}, "approved"});
  run({"emergency", "approved", "deploy", {"release_operator"}, "deployed"});
  run({"emergency", "deployed", "verify", {"release_operator"}, "verified"});
  run({"emergency", "verified", "close", {"production_lead"}, "closed"});
}

// SPEC 5b: `resubmit` is the QA lead's, for emergencies too (their production lead may
// `request_committee` from draft, but not resubmit a returned request).
TEST_F(MatrixTest, EmergencyResubmit) { run({"emergency", "returned", "resubmit", {"qa_lead"}, "submitted"}); }

// Cancel: any state before approved, by the requester or the production lead; approved (not yet
// deployed) by the IT chief or the production lead. The matrix users never opened the request,
// so their project_lead role does not make them its requester.
TEST_F(MatrixTest, CancelFromEveryStateBeforeDeployed) {
  for (const char* from : {"draft", "in_qa", "qa_approved", "submitted", "returned", "validated", "pending_approval", "pre_approved"}) {
    run({"maintenance", from, "cancel", {"production_lead"}, "cancelled"});
  }
  // The requester (the cast's project lead, who opened it) may cancel too, even pre-approved.
  for (const char* from : {"draft", "pre_approved"}) {
    const std::string number = pool_->take("maintenance", from);
    Response r = walker_->try_act(number, "cancel", office_->cast.at("project_lead"), "Retirado por el solicitante.");
    ASSERT_EQ(r.status, 200) << r.describe();
    EXPECT_EQ(r.json().value("state", ""), "cancelled");
  }
  run({"maintenance", "approved", "cancel", {"it_chief", "production_lead"}, "cancelled"});
  // Not once deployed: a state conflict, whoever asks.
  const std::string number = pool_->take("maintenance", "deployed");
  Response r = walker_->try_act(number, "cancel", matrix_user("production_lead"), "Tarde.");
  EXPECT_EQ(r.status, 409) << r.describe();
  EXPECT_EQ(r.json().value("id", ""), "action.state_conflict");
}

// Per-system roles count only for their system: MTX's project lead and functional user are
// refused on an ALFA request.
TEST_F(MatrixTest, PerSystemRolesCountOnlyForTheirSystem) {
  const std::string number = walker_->open("ALFA", "maintenance").at("number");
  Response r = office_->as(matrix_user("project_lead")).post("/api/v1/releases/" + number + "/actions/request_qa", {{"note", ""}});
  ASSERT_EQ(r.status, 403) << r.describe();
  EXPECT_EQ(detail_list(r.json(), "required_role"), std::vector<std::string>{"project_lead"});
  EXPECT_NE(r.json().value("detail", "").find("ALFA"), std::string::npos) << "the message names the system: " << r.describe();
  walker_->advance(number, "verified");
  walker_->prepare(number, "accept");
  Response a = office_->as(matrix_user("functional_user")).post("/api/v1/releases/" + number + "/actions/accept", {{"note", ""}});
  EXPECT_EQ(a.status, 403) << a.describe();
  // And the right functional user of ALFA accepts.
  EXPECT_EQ(walker_->try_act(number, "accept", office_->cast.at("functional_user"), "").status, 200);
}

// A refusal naming several R roles lists all of them in details.required_role (the message
// names them all too).
TEST_F(MatrixTest, RefusalListsEveryRequiredRoleInDetails) {
  const std::string number = pool_->take("maintenance", "pre_approved");
  Response r = office_->as(matrix_user("dba")).post("/api/v1/releases/" + number + "/actions/return_to_qa", {{"note", "x"}});
  pool_->park(walker_->get(number));
  ASSERT_EQ(r.status, 403) << r.describe();
  ASSERT_TRUE(r.json()["details"]["required_role"].is_array()) << r.describe();
  const std::vector<std::string> named = detail_list(r.json(), "required_role");
  EXPECT_EQ(named, (std::vector<std::string>{"release_operator", "production_lead", "asi_head", "it_chief"})) << r.describe();
}

}  // namespace
}  // namespace apitest
