// GET /api/openapi.json, /healthz, and errors as application/problem+json in the caller's
// language.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "api_office.h"

namespace apitest {
namespace {

class MetaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { office_ = Office::fresh().release(); }
  static void TearDownTestSuite() {
    if (office_ == nullptr) return;  // SetUpTestSuite failed (its error is reported)
    EXPECT_EQ(office_->stop(), 0) << "SIGTERM should stop the server gracefully\n" << office_->server().output();
    delete office_;
  }
  static Office* office_;
};
Office* MetaTest::office_ = nullptr;

TEST_F(MetaTest, OpenApiDocumentListsTheRoutes) {
  Api anonymous(office_->port());
  Response r = anonymous.get("/api/openapi.json");
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("Content-Type").value_or("").rfind("application/json", 0), 0u) << r.header("Content-Type").value_or("");
  const json doc = json::parse(r.body, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "not valid JSON";
  EXPECT_EQ(doc.value("openapi", "").rfind("3.", 0), 0u) << doc.value("openapi", "");
  ASSERT_TRUE(doc.contains("paths"));
  const json& paths = doc["paths"];
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"/api/v1/session", {"post", "delete"}},
      {"/api/v1/me", {"get"}},
      {"/api/v1/tokens", {"get", "post"}},
      {"/api/v1/tokens/{id}", {"delete"}},
      {"/api/v1/systems", {"get", "post"}},
      {"/api/v1/systems/{code}", {"get", "patch"}},
      {"/api/v1/releases", {"get", "post"}},
      {"/api/v1/releases/{number}", {"get"}},
      {"/api/v1/releases/{number}/deliverables/{slot}/{filename}", {"put", "get", "delete"}},
      {"/api/v1/releases/{number}/reviews", {"post"}},
      {"/api/v1/releases/{number}/records", {"post"}},
      {"/api/v1/releases/{number}/actions/{action}", {"post"}},
      {"/api/v1/releases/{number}/events", {"get"}},
      {"/api/v1/audit/verify", {"get"}},
      {"/api/v1/inbox", {"get"}},
      {"/healthz", {"get"}},
  };
  for (const auto& [path, methods] : expected) {
    ASSERT_TRUE(paths.contains(path)) << path << " missing from the OpenAPI document";
    for (const auto& m : methods) {
      EXPECT_TRUE(paths[path].contains(m)) << m << " " << path << " missing";
      if (paths[path].contains(m)) {
        EXPECT_TRUE(paths[path][m].contains("responses")) << m << " " << path;
      }
    }
  }
}

// What a client needs to answer by meaning (pasaprod consult over --server): each record type's
// `is`, `choices`, `passes` and `formats`.
TEST_F(MetaTest, TheProcedureCarriesTheRecordTypesMeanings) {
  const json p = office_->admin().get("/api/v1/procedure").expect(200).json();
  const json* consultation = nullptr;
  for (const auto& t : p.at("record_types")) {
    if (t.value("is", "") == "consultation") consultation = &t;
  }
  ASSERT_NE(consultation, nullptr) << p.dump(2);
  EXPECT_EQ(consultation->value("code", ""), "consultation");
  EXPECT_EQ(consultation->at("choices").at("opinion"), json::array({"agree", "concerns"}));
  EXPECT_EQ(consultation->at("passes").at("opinion"), "agree");
  EXPECT_EQ(consultation->at("formats").at("note"), "text");
}

// A kind the edition does not declare is refused by the server, listing the edition's kinds.
TEST_F(MetaTest, AnUnknownKindIsRefusedWithTheEditionsKinds) {
  Response r = office_->admin().get("/api/v1/reports/adherence?kind=hotfix", {{"Accept-Language", "en"}});
  EXPECT_EQ(r.status, 400) << r.describe();
  EXPECT_NE(r.body.find("use one of edition 02: project, maintenance, emergency"), std::string::npos) << r.body;
}

TEST_F(MetaTest, HealthzNeedsNoSignIn) {
  Api anonymous(office_->port());
  Response r = anonymous.get("/healthz");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json().value("status", ""), "ok");
}

TEST_F(MetaTest, ErrorsAreProblemJsonInTheCallersLanguage) {
  Api& admin = office_->admin();
  auto check = [](const Response& r, int status, const std::string& lang) {
    EXPECT_EQ(r.status, status) << r.describe();
    EXPECT_EQ(r.header("Content-Type").value_or(""), "application/problem+json") << r.describe();
    EXPECT_EQ(r.header("Content-Language").value_or(""), lang) << r.describe();
    const json p = r.json();
    ASSERT_TRUE(p.is_object()) << r.describe();
    EXPECT_EQ(p.value("status", 0), status);
    for (const char* k : {"type", "title", "detail", "code", "id"}) EXPECT_TRUE(p.contains(k)) << k << " missing: " << r.body;
    EXPECT_TRUE(p.contains("details") && p["details"].is_object()) << r.body;
  };
  // 404 of an unknown release, in English and (default) Spanish.
  Response en = admin.get("/api/v1/releases/PP-2099-9999");
  check(en, 404, "en");
  EXPECT_NE(en.json().value("detail", "").find("PP-2099-9999"), std::string::npos);
  admin.lang = "";
  Response es = admin.get("/api/v1/releases/PP-2099-9999");
  check(es, 404, "es");
  EXPECT_NE(es.json().value("detail", ""), en.json().value("detail", "")) << "Spanish by default";
  admin.lang = "en-GB,en;q=0.9";
  check(admin.get("/api/v1/releases/PP-2099-9999"), 404, "en");
  admin.lang = "en";

  // 400 malformed JSON; 404 no route; 401 not signed in; 422 a guard (version policy, naming
  // the expected version); 409 an action in the wrong state.
  Api& lead = office_->as(office_->cast.at("project_lead"));
  Response malformed = lead.send("POST", "/api/v1/releases", "{\"system\": ");
  check(malformed, 400, "en");
  check(lead.get("/api/v1/no-such-thing"), 404, "en");
  Api anonymous(office_->port());
  check(anonymous.get("/api/v1/releases"), 401, "en");
  Response version = lead.post("/api/v1/releases", {{"system", "ALFA"}, {"kind", "maintenance"}, {"version", "7.0"}, {"title", "t"}});
  check(version, 422, "en");
  EXPECT_EQ(version.json().value("code", ""), "failed_precondition");
  EXPECT_EQ(detail_list(version.json(), "expected_version"), std::vector<std::string>{"1.1"});
  EXPECT_NE(version.json().value("detail", "").find("expected version is 1.1"), std::string::npos) << version.body;
  Response opened = lead.post("/api/v1/releases", {{"system", "ALFA"}, {"kind", "maintenance"}, {"version", "1.1"}, {"title", "t"}});
  ASSERT_EQ(opened.status, 201) << opened.describe();
  EXPECT_EQ(opened.header("Location").value_or(""), "/api/v1/releases/" + opened.json().value("number", ""));
  Response wrong_state = lead.post("/api/v1/releases/" + opened.json().value("number", "") + "/actions/approve", {{"note", ""}});
  check(wrong_state, 409, "en");
  Response unknown_action = lead.post("/api/v1/releases/" + opened.json().value("number", "") + "/actions/teleport", {{"note", ""}});
  check(unknown_action, 400, "en");
  check(lead.post("/api/v1/releases/" + opened.json().value("number", "") + "/records", {{"type", "window"}, {"fields", json::object()}}),
        403, "en");
}

// A guard refusal names what is missing: every missing deliverable, in the message and in
// details.missing.
TEST_F(MetaTest, GuardRefusalNamesEveryMissingDeliverable) {
  Api& qa = office_->as(office_->cast.at("qa_lead"));
  Response opened = qa.post("/api/v1/releases", {{"system", "ALFA"}, {"kind", "emergency"}, {"version", "1.0.1"}, {"title", "e"}});
  ASSERT_EQ(opened.status, 201) << opened.describe();
  const std::string n = opened.json().value("number", "");
  Response r = qa.post("/api/v1/releases/" + n + "/actions/request_committee", {{"note", ""}});
  ASSERT_EQ(r.status, 422) << r.describe();
  const std::vector<std::string> slots = {"source_code", "db_scripts", "backout_plan", "technical_report"};
  const std::string detail = r.json().value("detail", "");
  for (const auto& slot : {"Source code", "Database scripts", "Back-out plan", "Technical report"}) {
    EXPECT_NE(detail.find(slot), std::string::npos) << "the message names " << slot << ": " << detail;
  }
  const std::vector<std::string> missing = detail_list(r.json(), "missing");
  EXPECT_EQ(std::set<std::string>(missing.begin(), missing.end()), std::set<std::string>(slots.begin(), slots.end())) << r.describe();
}

// A freeze can be ended early, changed or removed by whoever may add one, each with a note that
// the audit trail keeps; without the role or the note nothing changes.
TEST_F(MetaTest, FreezeIsEndedChangedAndRemovedWithANote) {
  Api& prod = office_->as(office_->cast.at("production_lead"));
  const auto add = [&](const std::string& from, const std::string& to) {
    Response r = prod.post("/api/v1/freezes", {{"from", from}, {"to", to}, {"reason", "Cierre del año escolar"}});
    EXPECT_EQ(r.status, 201) << r.describe();
    return r.json().value("id", 0LL);
  };
  const long long current = add("2000-01-01T00:00:00Z", "2099-01-01T00:00:00Z");
  const long long later = add("2098-01-01T00:00:00Z", "2098-02-01T00:00:00Z");
  const std::string base = "/api/v1/freezes/";
  // Not without the role, not without a note.
  Response denied = office_->as(office_->cast.at("qa_lead")).post(base + std::to_string(current) + "/end", {{"note", "x"}});
  EXPECT_EQ(denied.status, 403) << denied.describe();
  Response no_note = prod.post(base + std::to_string(current) + "/end", {{"note", " "}});
  EXPECT_EQ(no_note.status, 400) << no_note.describe();
  EXPECT_EQ(no_note.json().value("id", ""), "freeze.note_required");
  // A freeze that has not started is changed or removed, not ended.
  Response not_started = prod.post(base + std::to_string(later) + "/end", {{"note", "Se adelanta"}});
  EXPECT_EQ(not_started.status, 422) << not_started.describe();
  // End now.
  Response ended = prod.post(base + std::to_string(current) + "/end", {{"note", "El cierre terminó antes"}});
  ASSERT_EQ(ended.status, 200) << ended.describe();
  EXPECT_LT(ended.json().value("to", ""), "2099");
  // Change.
  Response changed = prod.put(base + std::to_string(later),
                              R"({"from":"2098-01-10T00:00:00Z","to":"2098-01-20T00:00:00Z","reason":"Elecciones","note":"Nueva fecha"})");
  ASSERT_EQ(changed.status, 200) << changed.describe();
  EXPECT_EQ(changed.json().value("reason", ""), "Elecciones");
  Response backwards = prod.put(base + std::to_string(later),
                                R"({"from":"2098-01-20T00:00:00Z","to":"2098-01-10T00:00:00Z","reason":"Elecciones","note":"x"})");
  EXPECT_EQ(backwards.status, 400) << backwards.describe();
  // Remove.
  EXPECT_EQ(prod.post(base + std::to_string(later) + "/remove", {{"note", "Ya no aplica"}}).status, 204);
  EXPECT_EQ(prod.post(base + std::to_string(later) + "/remove", {{"note", "Ya no aplica"}}).status, 404);
  EXPECT_EQ(prod.post(base + "abc/remove", {{"note", "x"}}).status, 404);
  const json listed = prod.get("/api/v1/freezes").expect(200).json();
  ASSERT_EQ(listed.at("items").size(), 1u);
}

// Editions at run time: checked (changes nothing), loaded by the administrator from a date
// (later requests use it), listed; another role is refused.
TEST_F(MetaTest, AnEditionIsCheckedLoadedAndListed) {
  std::string yaml = office_->admin().get("/api/v1/procedure").expect(200).json().value("edition", "");
  ASSERT_EQ(yaml, "02");
  std::ifstream in(std::string(PASAPROD_SOURCE_DIR) + "/procedures/edition-03-example.yaml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  yaml = text.str();
  ASSERT_FALSE(yaml.empty());
  Response checked = office_->admin().post("/api/v1/procedure/editions/check", {{"yaml", yaml}, {"name", "edition-03.yaml"}});
  ASSERT_EQ(checked.status, 200) << checked.describe();
  EXPECT_EQ(checked.json().value("in_force", ""), "02");
  ASSERT_EQ(checked.json().at("changes").size(), 1u) << checked.body;
  Response denied = office_->as(office_->cast.at("production_lead"))
                        .post("/api/v1/procedure/editions", {{"yaml", yaml}, {"effective", "2099-03-01"}});
  EXPECT_EQ(denied.status, 403) << denied.describe();
  Response broken = office_->admin().post("/api/v1/procedure/editions", {{"yaml", "edition: \"03\"\nroles: ["}, {"effective", "2099-03-01"}});
  EXPECT_EQ(broken.status, 400) << broken.describe();
  Response loaded = office_->admin().post("/api/v1/procedure/editions", {{"yaml", yaml}, {"effective", "2099-03-01"}});
  ASSERT_EQ(loaded.status, 201) << loaded.describe();
  EXPECT_EQ(loaded.json().value("effective_date", ""), "2099-03-01");
  EXPECT_EQ(office_->admin().post("/api/v1/procedure/editions", {{"yaml", yaml}, {"effective", "2099-04-01"}}).status, 409);
  const json listed = office_->as(office_->cast.at("qa_lead")).get("/api/v1/procedure/editions").expect(200).json();
  ASSERT_EQ(listed.at("items").size(), 2u) << listed.dump();
  EXPECT_TRUE(listed.at("items")[0].value("in_force", false));
  EXPECT_EQ(listed.at("items")[1].value("edition", ""), "03");
  EXPECT_FALSE(listed.at("items")[1].value("in_force", true));
  const json third = office_->admin().get("/api/v1/procedure?edition=03").expect(200).json();
  EXPECT_EQ(third.value("edition", ""), "03");
  EXPECT_EQ(office_->admin().get("/api/v1/procedure?edition=99").status, 404);
}

}  // namespace
}  // namespace apitest
